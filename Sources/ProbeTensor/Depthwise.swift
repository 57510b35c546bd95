/// Depthwise convolution, NHWC, any kernel size and stride (the networks use 3×3 and 5×5 at
/// stride 1 and 2): out[n,oy,ox,c] = act(bias[c] + Σ_{ky,kx} in[n, oy·s - padTop + ky, ox·s - padLeft + kx, c] · w[ky,kx,c]).
///
/// Differs from `conv2dReference` in loop order only: for each output pixel, blocks of 8 channels
/// stay in SIMD registers while all taps are accumulated (one store per block), taps outside the
/// image are skipped per pixel, and output rows are split across `threads`.
public func depthwiseConv2d(_ layer: Conv2DWeights, _ g: ConvGeometry, batch: Int,
                            input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, threads: Int) {
    precondition(layer.isDepthwise)
    let c = layer.outChannels, kH = layer.kernelHeight, kW = layer.kernelWidth, s = layer.stride
    let totalRows = batch * g.outHeight
    let workers = Swift.max(1, Swift.min(threads, totalRows))
    layer.packed.withUnsafeBufferPointer { weightBuffer in
        layer.bias.withUnsafeBufferPointer { biasBuffer in
            let weights = weightBuffer.baseAddress!, bias = biasBuffer.baseAddress!
            parallelFor(threads: workers) { slot in
                for row in sliceRange(totalRows, part: slot, of: workers) {
                    let n = row / g.outHeight, oy = row - n * g.outHeight
                    let imageBase = input + n * g.inHeight * g.inWidth * c
                    let y0 = oy * s - g.padTop
                    let kyStart = Swift.max(0, -y0), kyEnd = Swift.min(kH, g.inHeight - y0)
                    var out = output + row * g.outWidth * c
                    for ox in 0..<g.outWidth {
                        let x0 = ox * s - g.padLeft
                        let kxStart = Swift.max(0, -x0), kxEnd = Swift.min(kW, g.inWidth - x0)
                        let pixel0 = imageBase + (y0 * g.inWidth + x0) * c
                        // 32 (then 8) channels at a time held in SIMD registers across all taps and
                        // stored once; four independent accumulators hide the add latency.
                        var ch = 0
                        while ch + 32 <= c {
                            var acc0 = loadFloat8(bias + ch), acc1 = loadFloat8(bias + ch + 8)
                            var acc2 = loadFloat8(bias + ch + 16), acc3 = loadFloat8(bias + ch + 24)
                            for ky in kyStart..<Swift.max(kyStart, kyEnd) {
                                for kx in kxStart..<Swift.max(kxStart, kxEnd) {
                                    let src = pixel0 + ((ky &* g.inWidth &+ kx) &* c &+ ch)
                                    let w = weights + ((ky &* kW &+ kx) &* c &+ ch)
                                    acc0 += loadFloat8(src) * loadFloat8(w)
                                    acc1 += loadFloat8(src + 8) * loadFloat8(w + 8)
                                    acc2 += loadFloat8(src + 16) * loadFloat8(w + 16)
                                    acc3 += loadFloat8(src + 24) * loadFloat8(w + 24)
                                }
                            }
                            let o = UnsafeMutableRawPointer(out + ch)
                            o.storeBytes(of: acc0, as: SIMD8<Float>.self)
                            o.storeBytes(of: acc1, toByteOffset: 32, as: SIMD8<Float>.self)
                            o.storeBytes(of: acc2, toByteOffset: 64, as: SIMD8<Float>.self)
                            o.storeBytes(of: acc3, toByteOffset: 96, as: SIMD8<Float>.self)
                            ch += 32
                        }
                        while ch + 8 <= c {
                            var acc = loadFloat8(bias + ch)
                            for ky in kyStart..<Swift.max(kyStart, kyEnd) {
                                for kx in kxStart..<Swift.max(kxStart, kxEnd) {
                                    acc += loadFloat8(pixel0 + ((ky &* g.inWidth &+ kx) &* c &+ ch)) * loadFloat8(weights + ((ky &* kW &+ kx) &* c &+ ch))
                                }
                            }
                            UnsafeMutableRawPointer(out + ch).storeBytes(of: acc, as: SIMD8<Float>.self)
                            ch += 8
                        }
                        while ch < c {
                            var acc = bias[ch]
                            for ky in kyStart..<Swift.max(kyStart, kyEnd) {
                                for kx in kxStart..<Swift.max(kxStart, kxEnd) {
                                    acc += pixel0[(ky * g.inWidth + kx) * c + ch] * weights[(ky * kW + kx) * c + ch]
                                }
                            }
                            out[ch] = acc
                            ch += 1
                        }
                        applyActivation(layer.activation, out, count: c)
                        out += c
                    }
                }
            }
        }
    }
}

@inline(__always)
func loadFloat8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}
