/// Direct convolution for a network's first layer, whose input has only the three colour channels:
/// out[n,oy,ox,o] = act(bias[o] + Σ_{ky,kx,ci} in[n, oy·s - padTop + ky, ox·s - padLeft + kx, ci] · w[ky,kx,ci,o]),
/// NHWC in and out, `packed` as [kH·kW·inC, outC] (tap-major, output channel inner).
///
/// As im2col + GEMM this layer has an inner dimension of only 27: OpenBLAS ran MobileNetV2's stem
/// at 19 GMAC/s (0.57 ms of 7.9 per image), packing every patch for 27 multiply-adds. Here each
/// output pixel's 27 inputs are broadcast against 16-channel weight vectors, four pixels sharing
/// each weight load, and the activation runs on the finished pixels while they are in L1.
/// Output rows are split across `threads`.
public func conv2dDirect(_ layer: Conv2DWeights, _ g: ConvGeometry, batch: Int,
                         input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, threads: Int) {
    precondition(supportsDirectConvolution(layer))
    let totalRows = batch * g.outHeight
    let workers = Swift.max(1, Swift.min(threads, totalRows))
    let kW = layer.kernelWidth, s = layer.stride
    // Output columns whose kW taps are all inside the image (as in the depthwise kernel).
    let interiorStart = Swift.min(g.outWidth, (g.padLeft + s - 1) / s)
    let interiorEnd = Swift.max(interiorStart, Swift.min(g.outWidth, g.inWidth + g.padLeft - kW >= 0 ? (g.inWidth + g.padLeft - kW) / s + 1 : 0))
    layer.packed.withUnsafeBufferPointer { weights in
        layer.bias.withUnsafeBufferPointer { bias in
            parallelFor(threads: workers) { slot in
                for row in sliceRange(totalRows, part: slot, of: workers) {
                    let n = row / g.outHeight, oy = row - n * g.outHeight
                    let y0 = oy * s - g.padTop
                    let kyStart = Swift.max(0, -y0), kyEnd = Swift.max(kyStart, Swift.min(layer.kernelHeight, g.inHeight - y0))
                    let taps = DirectTaps(image: input + n * g.inHeight * g.inWidth * layer.inChannels, y0: y0,
                                          kyStart: kyStart, kyEnd: kyEnd, layer: layer, geometry: g,
                                          weights: weights.baseAddress!, bias: bias.baseAddress!)
                    let out = output + row * g.outWidth * layer.outChannels
                    var ox = 0
                    while ox < g.outWidth {
                        if ox >= interiorStart && ox + 4 <= interiorEnd {
                            // Constants for the 3×3 RGB stems let the compiler unroll the 27 taps.
                            if kW == 3 && layer.inChannels == 3 {
                                directFourPixels(taps, kernelWidth: 3, inChannels: 3, ox: ox, out: out + ox * layer.outChannels)
                            } else {
                                directFourPixels(taps, kernelWidth: kW, inChannels: layer.inChannels, ox: ox, out: out + ox * layer.outChannels)
                            }
                            applyActivation(layer.activation, out + ox * layer.outChannels, count: 4 * layer.outChannels)
                            ox += 4
                        } else {
                            directOnePixel(taps, ox: ox, out: out + ox * layer.outChannels)
                            applyActivation(layer.activation, out + ox * layer.outChannels, count: layer.outChannels)
                            ox += 1
                        }
                    }
                }
            }
        }
    }
}

/// Layers `conv2dDirect` runs: groups 1, at most four input channels (an image), and whole
/// 16-channel output vectors.
public func supportsDirectConvolution(_ layer: Conv2DWeights) -> Bool {
    !layer.isDepthwise && layer.inChannels <= 4 && layer.outChannels % 16 == 0
}

/// What the direct kernels need about one output row.
struct DirectTaps {
    let image: UnsafePointer<Float>
    let y0: Int, kyStart: Int, kyEnd: Int
    let layer: Conv2DWeights, geometry: ConvGeometry
    let weights: UnsafePointer<Float>, bias: UnsafePointer<Float>
}

/// Output pixels ox…ox+3 of a row whose taps are all inside the image horizontally.
@inline(__always)
func directFourPixels(_ t: DirectTaps, kernelWidth kW: Int, inChannels inC: Int, ox: Int, out: UnsafeMutablePointer<Float>) {
    let outC = t.layer.outChannels
    let s = t.layer.stride, inW = t.geometry.inWidth
    let step = s &* inC                                   // input floats between neighbouring outputs
    var o = 0
    while o < outC {
        let b = loadLanes(SIMD16<Float>.self, t.bias + o)
        var acc0 = b, acc1 = b, acc2 = b, acc3 = b
        for ky in t.kyStart..<t.kyEnd {
            let src = t.image + ((t.y0 &+ ky) &* inW &+ ox &* s &- t.geometry.padLeft) &* inC
            for kx in 0..<kW {
                for ci in 0..<inC {
                    let w = loadLanes(SIMD16<Float>.self, t.weights + (((ky &* kW &+ kx) &* inC &+ ci) &* outC &+ o))
                    let p = src + (kx &* inC &+ ci)
                    acc0 = multiplyAdd(SIMD16(repeating: p[0]), w, acc0)
                    acc1 = multiplyAdd(SIMD16(repeating: p[step]), w, acc1)
                    acc2 = multiplyAdd(SIMD16(repeating: p[2 &* step]), w, acc2)
                    acc3 = multiplyAdd(SIMD16(repeating: p[3 &* step]), w, acc3)
                }
            }
        }
        storeLanes(acc0, out + o)
        storeLanes(acc1, out + (outC &+ o))
        storeLanes(acc2, out + (2 &* outC &+ o))
        storeLanes(acc3, out + (3 &* outC &+ o))
        o &+= 16
    }
}

/// One output pixel anywhere: taps outside the image are skipped.
@inline(__always)
func directOnePixel(_ t: DirectTaps, ox: Int, out: UnsafeMutablePointer<Float>) {
    let inC = t.layer.inChannels, outC = t.layer.outChannels, kW = t.layer.kernelWidth
    let inW = t.geometry.inWidth
    let x0 = ox * t.layer.stride - t.geometry.padLeft
    let kxStart = Swift.max(0, -x0), kxEnd = Swift.max(kxStart, Swift.min(kW, inW - x0))
    var o = 0
    while o < outC {
        var acc = loadLanes(SIMD16<Float>.self, t.bias + o)
        for ky in t.kyStart..<t.kyEnd {
            let src = t.image + ((t.y0 &+ ky) &* inW &+ x0) &* inC
            for kx in kxStart..<kxEnd {
                for ci in 0..<inC {
                    let w = loadLanes(SIMD16<Float>.self, t.weights + (((ky &* kW &+ kx) &* inC &+ ci) &* outC &+ o))
                    acc = multiplyAdd(SIMD16(repeating: src[kx &* inC &+ ci]), w, acc)
                }
            }
        }
        storeLanes(acc, out + o)
        o &+= 16
    }
}
