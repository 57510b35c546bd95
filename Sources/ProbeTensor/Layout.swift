import COpenBLAS

/// NCHW → NHWC: dst[n, y, x, c] = src[n, c, y, x]. Images split across `threads`.
public func nchwToNHWC(_ src: UnsafePointer<Float>, batch: Int, channels: Int, height: Int, width: Int,
                       _ dst: UnsafeMutablePointer<Float>, threads: Int) {
    let plane = height * width
    let workers = Swift.max(1, Swift.min(threads, batch))
    parallelFor(threads: workers) { slot in
        for n in sliceRange(batch, part: slot, of: workers) {
            let s = src + n * channels * plane, d = dst + n * channels * plane
            for p in 0..<plane { for c in 0..<channels { d[p * channels + c] = s[c * plane + p] } }
        }
    }
}

/// Fully connected layer: out[r, o] = Σ_i in[r, i] · weight[o, i] + bias[o]
/// (PyTorch `nn.Linear`, weight [outFeatures, inFeatures]), as one sgemm with the weight transposed.
public func linearForward(input: UnsafePointer<Float>, rows: Int, inFeatures: Int,
                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, outFeatures: Int,
                          output: UnsafeMutablePointer<Float>) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outFeatures), Int32(inFeatures),
                1, input, Int32(inFeatures), weight, Int32(inFeatures), 0, output, Int32(outFeatures))
    for r in 0..<rows { for o in 0..<outFeatures { output[r * outFeatures + o] += bias[o] } }
}

/// Row-major C[m, n] = A[m, k] · B[k, n] + beta · C through OpenBLAS (for callers outside the
/// engine, e.g. the benchmark's sgemm-peak measurement).
public func sgemmRowMajor(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                          beta: Float, c: UnsafeMutablePointer<Float>) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                1, a, Int32(k), b, Int32(n), beta, c, Int32(n))
}
