import COpenBLAS

// Layout used throughout the engine: activations are float32 NHWC, contiguous
// (element (n, y, x, c) at ((n * H + y) * W + x) * C + c). Channels innermost make a 1×1
// convolution a plain GEMM over [N·H·W, C] and let depthwise/pool/activation loops run
// unit-stride over channels. The NCHW input (as PyTorch takes it) is converted once.

/// How a convolution pads its input.
public enum ConvPadding: Sendable, Equatable {
    /// PyTorch `padding=(h, w)`: the same amount on both sides.
    case symmetric(Int, Int)
    /// TensorFlow "SAME": output = ceil(input / stride); the total padding
    /// max((out-1)·stride + k - in, 0) is split with the extra row/column at bottom/right.
    case tfSame
}

/// Batch-norm statistics to fold into a convolution: y = (x - mean) / sqrt(var + eps) · gamma + beta.
public struct BatchNormParams: Sendable {
    public let gamma: [Float], beta: [Float], mean: [Float], variance: [Float]
    public let eps: Float
    public init(gamma: [Float], beta: [Float], mean: [Float], variance: [Float], eps: Float) {
        self.gamma = gamma; self.beta = beta; self.mean = mean; self.variance = variance; self.eps = eps
    }
}

/// Where a convolution reads for one input size: the output size and the top/left padding
/// (bottom/right padding is whatever the output size implies; reads past the edge are zeros).
public struct ConvGeometry: Sendable, Equatable {
    public let inHeight: Int, inWidth: Int, outHeight: Int, outWidth: Int
    public let padTop: Int, padLeft: Int

    public init(inHeight: Int, inWidth: Int, outHeight: Int, outWidth: Int, padTop: Int, padLeft: Int) {
        self.inHeight = inHeight; self.inWidth = inWidth; self.outHeight = outHeight; self.outWidth = outWidth
        self.padTop = padTop; self.padLeft = padLeft
    }

    /// Where a convolution with this kernel, stride and padding reads on a `height`×`width` input.
    public init(height: Int, width: Int, kernelHeight: Int, kernelWidth: Int, stride: Int, padding: ConvPadding) {
        func axis(_ n: Int, _ k: Int, _ pad: Int?) -> (out: Int, before: Int) {
            if let pad { return ((n + 2 * pad - k) / stride + 1, pad) }
            let out = (n + stride - 1) / stride
            let total = Swift.max((out - 1) * stride + k - n, 0)
            return (out, total / 2)
        }
        let (ph, pw): (Int?, Int?)
        switch padding {
        case let .symmetric(h, w): (ph, pw) = (h, w)
        case .tfSame: (ph, pw) = (nil, nil)
        }
        let y = axis(height, kernelHeight, ph), x = axis(width, kernelWidth, pw)
        self.init(inHeight: height, inWidth: width, outHeight: y.out, outWidth: x.out, padTop: y.before, padLeft: x.before)
    }

    /// A 1×1, stride-1 convolution's geometry: output as large as the input, no padding.
    public static func pointwise(height: Int, width: Int) -> ConvGeometry {
        ConvGeometry(inHeight: height, inWidth: width, outHeight: height, outWidth: width, padTop: 0, padLeft: 0)
    }
}

/// A 2-D convolution (groups 1 or depthwise) with its bias, folded batch norm and activation,
/// its weights re-laid out for the NHWC kernels.
///
/// `packed`: groups = 1 → the GEMM right-hand side [kH·kW·inC, outC] row-major, rows ordered
/// (ky, kx, ci) to match the im2col patch order; depthwise → [kH·kW, C] (tap-major, channel inner).
public struct Conv2DWeights: Sendable {
    public let inChannels: Int, outChannels: Int
    public let kernelHeight: Int, kernelWidth: Int
    public let stride: Int
    public let padding: ConvPadding
    public let isDepthwise: Bool
    public let activation: Activation
    public let packed: [Float]
    public let bias: [Float]

    /// - Parameters:
    ///   - weight: PyTorch layout [outC, inC/groups, kH, kW], `shape` its 4 dims.
    ///   - bias: [outC] or nil (zero).
    ///   - batchNorm: folded in: w·s and (b - mean)·s + beta with s = gamma / sqrt(var + eps).
    public init(weight: [Float], shape: [Int], bias: [Float]?, stride: Int, padding: ConvPadding,
                depthwise: Bool, batchNorm: BatchNormParams?, activation: Activation) {
        precondition(shape.count == 4 && weight.count == shape.reduce(1, *), "Conv2DWeights: weight shape \(shape)")
        let outC = shape[0], kH = shape[2], kW = shape[3]
        let inC = depthwise ? outC : shape[1]
        precondition(!depthwise || shape[1] == 1, "Conv2DWeights: depthwise weight must be [C, 1, kH, kW]")
        var scale = [Float](repeating: 1, count: outC)
        var shift = bias ?? [Float](repeating: 0, count: outC)
        if let bn = batchNorm {
            for o in 0..<outC {
                let s = bn.gamma[o] / (bn.variance[o] + bn.eps).squareRoot()
                scale[o] = s
                shift[o] = (shift[o] - bn.mean[o]) * s + bn.beta[o]
            }
        }
        var packed = [Float](repeating: 0, count: weight.count)
        if depthwise {
            for c in 0..<outC { for t in 0..<(kH * kW) { packed[t * outC + c] = weight[c * kH * kW + t] * scale[c] } }
        } else {
            for o in 0..<outC {
                for ci in 0..<inC {
                    for ky in 0..<kH {
                        for kx in 0..<kW {
                            let k = (ky * kW + kx) * inC + ci
                            packed[k * outC + o] = weight[((o * inC + ci) * kH + ky) * kW + kx] * scale[o]
                        }
                    }
                }
            }
        }
        self.inChannels = inC; self.outChannels = outC
        self.kernelHeight = kH; self.kernelWidth = kW
        self.stride = stride; self.padding = padding
        self.isDepthwise = depthwise; self.activation = activation
        self.packed = packed; self.bias = shift
    }

    /// GEMM inner dimension: one im2col patch.
    public var patchSize: Int { kernelHeight * kernelWidth * (isDepthwise ? 1 : inChannels) }

    /// Output size and padding for an input of `height`×`width` (throws nothing: callers check ≥ 1).
    public func geometry(height: Int, width: Int) -> ConvGeometry {
        ConvGeometry(height: height, width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride, padding: padding)
    }

    /// True when the convolution is a plain GEMM over the input as it lies (1×1, stride 1, no padding).
    public var isPointwise: Bool {
        !isDepthwise && kernelHeight == 1 && kernelWidth == 1 && stride == 1 && (padding == .symmetric(0, 0) || padding == .tfSame)
    }
}

// MARK: - Reference kernel

/// Naive direct convolution, NHWC in and out, any groups-1 or depthwise layer:
/// out[n,oy,ox,o] = act(bias[o] + Σ_{ky,kx,ci} in[n, oy·s - padTop + ky, ox·s - padLeft + kx, ci] · w[ky,kx,ci,o])
/// (plus the previous `out` when `accumulate`, i.e. a residual added before the activation).
public func conv2dReference(_ layer: Conv2DWeights, _ g: ConvGeometry, batch: Int,
                            input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, accumulate: Bool) {
    let inC = layer.inChannels, outC = layer.outChannels
    for n in 0..<batch {
        for oy in 0..<g.outHeight {
            for ox in 0..<g.outWidth {
                for o in 0..<outC {
                    var sum: Float = 0
                    for ky in 0..<layer.kernelHeight {
                        let iy = oy * layer.stride - g.padTop + ky
                        if iy < 0 || iy >= g.inHeight { continue }
                        for kx in 0..<layer.kernelWidth {
                            let ix = ox * layer.stride - g.padLeft + kx
                            if ix < 0 || ix >= g.inWidth { continue }
                            let pixel = input + ((n * g.inHeight + iy) * g.inWidth + ix) * inC
                            let tap = ky * layer.kernelWidth + kx
                            if layer.isDepthwise {
                                sum += pixel[o] * layer.packed[tap * outC + o]
                            } else {
                                for ci in 0..<inC { sum += pixel[ci] * layer.packed[(tap * inC + ci) * outC + o] }
                            }
                        }
                    }
                    let index = ((n * g.outHeight + oy) * g.outWidth + ox) * outC + o
                    let previous: Float = accumulate ? output[index] : 0
                    output[index] = referenceActivation(layer.activation, previous + sum + layer.bias[o])
                }
            }
        }
    }
}

// MARK: - GEMM convolution (groups = 1)

/// Sets (`overwrite`) or adds `bias` to each of `rows` contiguous rows of `columns` floats.
@inline(__always)
func addBiasRows(_ output: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>, overwrite: Bool) {
    for r in 0..<rows {
        let row = output + r * columns
        // A plain loop, not memcpy: rows are often only 16–96 floats, where the call costs more than the copy.
        if overwrite { for c in 0..<columns { row[c] = bias[c] } }
        else { for c in 0..<columns { row[c] += bias[c] } }
    }
}

/// Rows (output pixels) per GEMM block: big enough that OpenBLAS's packing of the weights is
/// amortised, small enough that the im2col block stays in L2 when the patch is short.
///
/// The blocks do not depend on the thread count (they are dealt to threads whole). OpenBLAS sums
/// a row's dot products in a different order for small calls (its small-matrix kernel) than for
/// large ones, so the same blocks on any number of threads are what keep every output bit the same.
public func conv2dBlockRows(_ layer: Conv2DWeights, _ g: ConvGeometry, batch: Int) -> Int {
    let m = batch * g.outHeight * g.outWidth
    let k = layer.patchSize
    // Pointwise: the output block (rows × N) stays within ~512 KB for the epilogue. im2col: the
    // patch block within ~1 MB, but at least K·N / 2048 rows, so that OpenBLAS repacking a large
    // weight matrix (K·N floats) for every block stays small next to the block's rows·K·N multiply-adds.
    let rows = layer.isPointwise ? Swift.max(256, 131_072 / layer.outChannels)
                                 : Swift.max(256, 262_144 / k, k * layer.outChannels / 2048)
    return Swift.min(rows, Swift.max(m, 1))
}

/// Floats of scratch one thread needs for `conv2dGEMM` (the im2col block; 0 for pointwise).
public func conv2dScratchCount(_ layer: Conv2DWeights, _ g: ConvGeometry, batch: Int) -> Int {
    if layer.isDepthwise || layer.isPointwise { return 0 }
    return conv2dBlockRows(layer, g, batch: batch) * layer.patchSize
}

/// Copies the patches of output pixels `first..<first+rows` (flattened over n, oy, ox) into
/// `patches` [rows, kH·kW·C], patch order (ky, kx, c); taps outside the image are zeros.
@inline(__always)
func im2colNHWC(_ layer: Conv2DWeights, _ g: ConvGeometry, input: UnsafePointer<Float>,
                first: Int, rows: Int, patches: UnsafeMutablePointer<Float>) {
    let c = layer.inChannels, kH = layer.kernelHeight, kW = layer.kernelWidth, s = layer.stride
    let k = layer.patchSize
    let perImage = g.outHeight * g.outWidth
    for r in 0..<rows {
        let m = first + r
        let n = m / perImage, rem = m - n * perImage
        let oy = rem / g.outWidth, ox = rem - oy * g.outWidth
        let x0 = ox * s - g.padLeft
        var dst = patches + r * k
        for ky in 0..<kH {
            let iy = oy * s - g.padTop + ky
            if iy < 0 || iy >= g.inHeight {
                dst.update(repeating: 0, count: kW * c)
            } else {
                let rowBase = input + (n * g.inHeight + iy) * g.inWidth * c
                if x0 >= 0 && x0 + kW <= g.inWidth {
                    dst.update(from: rowBase + x0 * c, count: kW * c)
                } else {
                    for kx in 0..<kW {
                        let ix = x0 + kx
                        if ix < 0 || ix >= g.inWidth { (dst + kx * c).update(repeating: 0, count: c) }
                        else { (dst + kx * c).update(from: rowBase + ix * c, count: c) }
                    }
                }
            }
            dst += kW * c
        }
    }
}

/// Convolution as GEMM, NHWC: out[M, outC] = act(bias + patches[M, K] · packed[K, outC] (+ out when
/// `accumulate`)), the activation applied to each block while it is in cache.
/// M = batch·outH·outW is cut into blocks of `conv2dBlockRows` rows dealt round-robin to
/// `threads` threads; pointwise layers read the input directly as the patches (no im2col).
/// `scratch` holds `threads · conv2dScratchCount(...)` floats.
public func conv2dGEMM(_ layer: Conv2DWeights, _ g: ConvGeometry, batch: Int,
                       input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, accumulate: Bool,
                       scratch: UnsafeMutablePointer<Float>?, threads: Int) {
    precondition(!layer.isDepthwise)
    let m = batch * g.outHeight * g.outWidth
    let k = layer.patchSize, n = layer.outChannels
    let blockRows = conv2dBlockRows(layer, g, batch: batch)
    let blocks = (m + blockRows - 1) / blockRows
    let workers = Swift.min(threads, blocks)
    let scratchPerThread = conv2dScratchCount(layer, g, batch: batch)
    layer.packed.withUnsafeBufferPointer { weights in
        layer.bias.withUnsafeBufferPointer { bias in
            parallelFor(threads: workers) { slot in
                var block = slot
                while block < blocks {
                    let first = block * blockRows
                    let rows = Swift.min(blockRows, m - first)
                    let a: UnsafePointer<Float>
                    if layer.isPointwise {
                        a = input + first * k
                    } else {
                        let patches = scratch! + slot * scratchPerThread
                        im2colNHWC(layer, g, input: input, first: first, rows: rows, patches: patches)
                        a = UnsafePointer(patches)
                    }
                    let c = output + first * n
                    // The bias goes into C before the GEMM, which then adds onto it (beta = 1): OpenBLAS
                    // would otherwise clear C for beta = 0 and the epilogue make another pass to add the bias.
                    addBiasRows(c, rows: rows, columns: n, bias: bias.baseAddress!, overwrite: !accumulate)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(n), Int32(k),
                                1, a, Int32(k), weights.baseAddress!, Int32(n), 1, c, Int32(n))
                    if layer.activation != .identity { applyActivation(layer.activation, c, count: rows * n) }
                    block += workers
                }
            }
        }
    }
}
