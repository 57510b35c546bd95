/// Depthwise convolution, NHWC, any kernel size and stride (the networks use 3×3 and 5×5 at
/// stride 1 and 2): out[n,oy,ox,c] = act(bias[c] + Σ_{ky,kx} in[n, oy·s - padTop + ky, ox·s - padLeft + kx, c] · w[ky,kx,c]).
///
/// Differs from `conv2dReference` in loop order only. Output rows are split across `threads`.
/// Within a row, pixels whose taps all lie inside the image go four at a time
/// (`depthwiseFourPixels`): each weight vector loaded once serves four outputs, which halves the
/// loads per multiply-add that bound the one-pixel loop. Edge pixels take `depthwiseOnePixel`,
/// which skips taps outside the image. The activation runs on each finished group while it is in L1.
public func depthwiseConv2d(_ layer: Conv2DWeights, _ g: ConvGeometry, batch: Int,
                            input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, threads: Int) {
    precondition(layer.isDepthwise)
    let totalRows = batch * g.outHeight
    let workers = Swift.max(1, Swift.min(threads, totalRows))
    parallelFor(threads: workers) { slot in
        for row in sliceRange(totalRows, part: slot, of: workers) {
            let n = row / g.outHeight, oy = row - n * g.outHeight
            depthwiseOutputRow(layer, g, oy: oy, image: input + n * g.inHeight * g.inWidth * layer.outChannels,
                               out: output + row * g.outWidth * layer.outChannels)
        }
    }
}

/// Output rows `rows` of one image's depthwise convolution, from a band of its input: `input`
/// holds image rows `firstInputRow…` (at least every row these outputs' taps reach inside the
/// image), `output` receives rows `rows` from its start. Bit-identical to the same rows of
/// `depthwiseConv2d`: this is how a network runs a layer in bands that stay in cache.
public func depthwiseConv2dRows(_ layer: Conv2DWeights, _ g: ConvGeometry, rows: Range<Int>,
                                input: UnsafePointer<Float>, firstInputRow: Int,
                                output: UnsafeMutablePointer<Float>, threads: Int) {
    precondition(layer.isDepthwise && rows.lowerBound >= 0 && rows.upperBound <= g.outHeight)
    let workers = Swift.max(1, Swift.min(threads, rows.count))
    // Where image row 0 would be; only rows from firstInputRow on are ever read.
    let image = input - firstInputRow * g.inWidth * layer.outChannels
    parallelFor(threads: workers) { slot in
        for i in sliceRange(rows.count, part: slot, of: workers) {
            depthwiseOutputRow(layer, g, oy: rows.lowerBound + i, image: image, out: output + i * g.outWidth * layer.outChannels)
        }
    }
}

/// Output row `oy` of one image whose row 0 is at `image`.
@inline(__always)
func depthwiseOutputRow(_ layer: Conv2DWeights, _ g: ConvGeometry, oy: Int, image: UnsafePointer<Float>,
                        out: UnsafeMutablePointer<Float>) {
    let c = layer.outChannels, kW = layer.kernelWidth, s = layer.stride
    // Output columns whose kW taps are all inside the image: x0 = ox·s - padLeft ≥ 0 and x0 + kW ≤ inW.
    let interiorStart = Swift.min(g.outWidth, (g.padLeft + s - 1) / s)
    let interiorEnd = Swift.max(interiorStart, Swift.min(g.outWidth, g.inWidth + g.padLeft - kW >= 0 ? (g.inWidth + g.padLeft - kW) / s + 1 : 0))
    layer.packed.withUnsafeBufferPointer { weightBuffer in
        layer.bias.withUnsafeBufferPointer { biasBuffer in
            let y0 = oy * s - g.padTop
            let rows = DepthwiseRows(kyStart: Swift.max(0, -y0), kyEnd: Swift.max(Swift.max(0, -y0), Swift.min(layer.kernelHeight, g.inHeight - y0)),
                                     rowBase: image + y0 * g.inWidth * c, inWidth: g.inWidth,
                                     channels: c, kernelWidth: kW, stride: s, padLeft: g.padLeft,
                                     weights: weightBuffer.baseAddress!, bias: biasBuffer.baseAddress!)
            var ox = 0
            while ox < g.outWidth {
                if ox >= interiorStart && ox + 4 <= interiorEnd {
                    // Constant sizes and strides let the compiler unroll the taps of the common
                    // layers and load each input once for the taps that share it. (More constant
                    // cases than these four made it stop inlining them, undoing the gain.)
                    let full = rows.kyStart == 0 && rows.kyEnd == kW && layer.kernelHeight == kW
                    if full && kW == 3 && s == 1 {
                        depthwiseFourPixels(rows, taps: 0..<3, kernelWidth: 3, stride: 1, ox: ox, out: out + ox * c)
                    } else if full && kW == 3 && s == 2 {
                        depthwiseFourPixels(rows, taps: 0..<3, kernelWidth: 3, stride: 2, ox: ox, out: out + ox * c)
                    } else if full && kW == 5 && s == 1 {
                        depthwiseFourPixels(rows, taps: 0..<5, kernelWidth: 5, stride: 1, ox: ox, out: out + ox * c)
                    } else if full && kW == 5 {
                        depthwiseFourPixels(rows, taps: 0..<5, kernelWidth: 5, stride: s, ox: ox, out: out + ox * c)
                    } else {
                        depthwiseFourPixels(rows, taps: rows.kyStart..<rows.kyEnd, kernelWidth: kW, stride: s, ox: ox, out: out + ox * c)
                    }
                    applyActivation(layer.activation, out + ox * c, count: 4 * c)
                    ox += 4
                } else {
                    depthwiseOnePixel(rows, ox: ox, out: out + ox * c)
                    applyActivation(layer.activation, out + ox * c, count: c)
                    ox += 1
                }
            }
        }
    }
}

/// What the per-pixel depthwise kernels need about one output row: the valid kernel rows, the
/// input row of ky = 0 (may point outside the image; only valid rows are read), and the layer.
struct DepthwiseRows {
    let kyStart: Int, kyEnd: Int
    let rowBase: UnsafePointer<Float>
    let inWidth: Int, channels: Int, kernelWidth: Int, stride: Int, padLeft: Int
    let weights: UnsafePointer<Float>, bias: UnsafePointer<Float>
}

/// Output pixels ox…ox+3 of a row, all taps inside the image, in blocks of 16 then 8 channels
/// (`depthwiseFourPixelsLanes`), the rest one at a time.
/// `taps` are the kernel rows inside the image, `kW` the kernel width and `stride` the layer's:
/// callers pass constants for the common full 3×3 and 5×5 rows so that, inlined, the tap loops unroll.
@inline(__always)
func depthwiseFourPixels(_ r: DepthwiseRows, taps: Range<Int>, kernelWidth kW: Int, stride: Int, ox: Int,
                         out: UnsafeMutablePointer<Float>) {
    let c = r.channels
    let step = stride &* c                          // input floats between neighbouring outputs
    let pixel0 = r.rowBase + (ox &* stride &- r.padLeft) &* c
    var ch = 0
    // Sixteen channels at a time first: one AVX-512 register per pixel where the build has them.
    while ch &+ 16 <= c {
        depthwiseFourPixelsLanes(SIMD16<Float>.self, r, taps: taps, kernelWidth: kW, step: step, pixel0: pixel0, channel: ch, out: out)
        ch &+= 16
    }
    while ch &+ 8 <= c {
        depthwiseFourPixelsLanes(SIMD8<Float>.self, r, taps: taps, kernelWidth: kW, step: step, pixel0: pixel0, channel: ch, out: out)
        ch &+= 8
    }
    if ch < c { depthwiseFourPixelsTail(r, from: ch, ox: ox, out: out) }
}

/// Channels `ch..<ch + V.scalarCount` of `depthwiseFourPixels`: four accumulators (one per pixel)
/// take every tap, the tap's weight vector loaded once for all four.
@inline(__always)
func depthwiseFourPixelsLanes<V: SIMD>(_: V.Type, _ r: DepthwiseRows, taps: Range<Int>, kernelWidth kW: Int, step: Int,
                                       pixel0: UnsafePointer<Float>, channel ch: Int, out: UnsafeMutablePointer<Float>)
where V.Scalar == Float {
    let c = r.channels
    let b = loadLanes(V.self, r.bias + ch)
    var acc0 = b, acc1 = b, acc2 = b, acc3 = b
    for ky in taps {
        for kx in 0..<kW {
            let src = pixel0 + (ky &* r.inWidth &* c &+ kx &* c &+ ch)
            let wv = loadLanes(V.self, r.weights + ((ky &* kW &+ kx) &* c &+ ch))
            acc0 = multiplyAdd(loadLanes(V.self, src), wv, acc0)
            acc1 = multiplyAdd(loadLanes(V.self, src + step), wv, acc1)
            acc2 = multiplyAdd(loadLanes(V.self, src + 2 &* step), wv, acc2)
            acc3 = multiplyAdd(loadLanes(V.self, src + 3 &* step), wv, acc3)
        }
    }
    storeLanes(acc0, out + ch)
    storeLanes(acc1, out + (c &+ ch))
    storeLanes(acc2, out + (2 &* c &+ ch))
    storeLanes(acc3, out + (3 &* c &+ ch))
}

/// Channels `from..<C` of `depthwiseFourPixels` (C not a multiple of 8), one at a time.
func depthwiseFourPixelsTail(_ r: DepthwiseRows, from first: Int, ox: Int, out: UnsafeMutablePointer<Float>) {
    let c = r.channels, kW = r.kernelWidth
    let step = r.stride &* c
    let pixel0 = r.rowBase + (ox &* r.stride &- r.padLeft) &* c
    for ch in first..<c {
        for p in 0..<4 {
            var acc = r.bias[ch]
            for ky in r.kyStart..<r.kyEnd {
                for kx in 0..<kW {
                    acc += pixel0[p &* step &+ (ky &* r.inWidth &+ kx) &* c &+ ch] * r.weights[(ky &* kW &+ kx) &* c &+ ch]
                }
            }
            out[p &* c &+ ch] = acc
        }
    }
}

/// One output pixel, any position: taps outside the image (left/right here, top/bottom through
/// kyStart/kyEnd) are skipped. 32 channels at a time in four independent SIMD accumulators (one
/// would wait on the add latency at every tap), then 8, then one at a time.
@inline(__always)
func depthwiseOnePixel(_ r: DepthwiseRows, ox: Int, out: UnsafeMutablePointer<Float>) {
    let c = r.channels, kW = r.kernelWidth
    let x0 = ox * r.stride - r.padLeft
    let kxStart = Swift.max(0, -x0), kxEnd = Swift.max(kxStart, Swift.min(kW, r.inWidth - x0))
    let pixel0 = r.rowBase + x0 * c
    var ch = 0
    while ch &+ 32 <= c {
        var acc0 = loadFloat8(r.bias + ch), acc1 = loadFloat8(r.bias + (ch &+ 8))
        var acc2 = loadFloat8(r.bias + (ch &+ 16)), acc3 = loadFloat8(r.bias + (ch &+ 24))
        for ky in r.kyStart..<r.kyEnd {
            for kx in kxStart..<kxEnd {
                let src = pixel0 + ((ky &* r.inWidth &+ kx) &* c &+ ch)
                let w = r.weights + ((ky &* kW &+ kx) &* c &+ ch)
                acc0 = multiplyAdd(loadFloat8(src), loadFloat8(w), acc0)
                acc1 = multiplyAdd(loadFloat8(src + 8), loadFloat8(w + 8), acc1)
                acc2 = multiplyAdd(loadFloat8(src + 16), loadFloat8(w + 16), acc2)
                acc3 = multiplyAdd(loadFloat8(src + 24), loadFloat8(w + 24), acc3)
            }
        }
        storeFloat8(acc0, out + ch)
        storeFloat8(acc1, out + (ch &+ 8))
        storeFloat8(acc2, out + (ch &+ 16))
        storeFloat8(acc3, out + (ch &+ 24))
        ch &+= 32
    }
    while ch &+ 8 <= c {
        var acc = loadFloat8(r.bias + ch)
        for ky in r.kyStart..<r.kyEnd {
            for kx in kxStart..<kxEnd {
                acc = multiplyAdd(loadFloat8(pixel0 + ((ky &* r.inWidth &+ kx) &* c &+ ch)), loadFloat8(r.weights + ((ky &* kW &+ kx) &* c &+ ch)), acc)
            }
        }
        storeFloat8(acc, out + ch)
        ch &+= 8
    }
    while ch < c {
        var acc = r.bias[ch]
        for ky in r.kyStart..<r.kyEnd {
            for kx in kxStart..<kxEnd {
                acc += pixel0[(ky &* r.inWidth &+ kx) &* c &+ ch] * r.weights[(ky &* kW &+ kx) &* c &+ ch]
            }
        }
        out[ch] = acc
        ch &+= 1
    }
}

@inline(__always)
func loadFloat8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func storeFloat8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

@inline(__always)
func loadLanes<V: SIMD>(_: V.Type, _ p: UnsafePointer<Float>) -> V where V.Scalar == Float {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
}

@inline(__always)
func storeLanes<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<Float>) where V.Scalar == Float {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
}
