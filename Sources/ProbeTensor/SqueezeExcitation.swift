import COpenBLAS

/// Squeeze-and-excitation weights (torchvision `SqueezeExcitation`: fc1/fc2 are 1×1 convs with bias).
public struct SqueezeExcitationWeights: Sendable {
    public let channels: Int, squeezed: Int
    /// [squeezed, channels] row-major (PyTorch fc1.weight [Cr, C, 1, 1] as it lies).
    public let reduceWeight: [Float], reduceBias: [Float]
    /// [channels, squeezed] row-major (fc2.weight [C, Cr, 1, 1]).
    public let expandWeight: [Float], expandBias: [Float]
    /// Applied after the reduce layer (SiLU in EfficientNet-B0); the gate is always a sigmoid.
    public let hiddenActivation: Activation

    public init(channels: Int, squeezed: Int, reduceWeight: [Float], reduceBias: [Float],
                expandWeight: [Float], expandBias: [Float], hiddenActivation: Activation) {
        precondition(reduceWeight.count == channels * squeezed && expandWeight.count == channels * squeezed)
        self.channels = channels; self.squeezed = squeezed
        self.reduceWeight = reduceWeight; self.reduceBias = reduceBias
        self.expandWeight = expandWeight; self.expandBias = expandBias
        self.hiddenActivation = hiddenActivation
    }
}

/// Squeeze-and-excitation in place on NHWC `data` [batch, pixels, C]:
/// s = mean over pixels; h = act(W1 s + b1); g = σ(W2 h + b2); data[n, p, c] *= g[c].
/// `scratch` holds batch · (C + Cr) floats. Images are split across `threads`.
public func squeezeExcitation(_ se: SqueezeExcitationWeights, batch: Int, pixels: Int,
                              data: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, threads: Int) {
    let c = se.channels, cr = se.squeezed
    let workers = Swift.max(1, Swift.min(threads, batch))
    se.reduceWeight.withUnsafeBufferPointer { w1 in
    se.expandWeight.withUnsafeBufferPointer { w2 in
    se.reduceBias.withUnsafeBufferPointer { b1 in
    se.expandBias.withUnsafeBufferPointer { b2 in
        parallelFor(threads: workers) { slot in
            for n in sliceRange(batch, part: slot, of: workers) {
                let pooled = scratch + n * (c + cr), hidden = pooled + c
                let image = data + n * pixels * c
                globalAveragePool(input: image, batch: 1, pixels: pixels, channels: c, output: pooled)
                // The two small matrix-vector products go to BLAS: as Swift loops they are serial
                // float sums, which the compiler may not reorder into SIMD lanes.
                hidden.update(from: b1.baseAddress!, count: cr)
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(cr), Int32(c), 1, w1.baseAddress!, Int32(c),
                            pooled, 1, 1, hidden, 1)
                applyActivation(se.hiddenActivation, hidden, count: cr)
                // Reuse `pooled` for the gate.
                pooled.update(from: b2.baseAddress!, count: c)
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(c), Int32(cr), 1, w2.baseAddress!, Int32(cr),
                            hidden, 1, 1, pooled, 1)
                applyActivation(.sigmoid, pooled, count: c)
                for p in 0..<pixels {
                    let px = image + p * c
                    for ch in 0..<c { px[ch] *= pooled[ch] }
                }
            }
        }
    } } } }
}
