/// Depthwise convolution, NHWC, any kernel size and stride (the networks use 3×3 and 5×5 at
/// stride 1 and 2): out[n,oy,ox,c] = act(bias[c] + Σ_{ky,kx} in[n, oy·s - padTop + ky, ox·s - padLeft + kx, c] · w[ky,kx,c]).
///
/// Differs from `conv2dReference` in loop order only: each output pixel's C channels are
/// accumulated tap by tap in place (unit stride over channels, vectorised), taps outside the
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
                        out.update(from: bias, count: c)
                        if kyStart < kyEnd && kxStart < kxEnd {
                            for ky in kyStart..<kyEnd {
                                let rowIn = imageBase + ((y0 + ky) * g.inWidth + x0) * c
                                for kx in kxStart..<kxEnd {
                                    let src = rowIn + kx * c
                                    let w = weights + (ky * kW + kx) * c
                                    for ch in 0..<c { out[ch] += src[ch] * w[ch] }
                                }
                            }
                        }
                        applyActivation(layer.activation, out, count: c)
                        out += c
                    }
                }
            }
        }
    }
}
