import COpenBLAS
import ProbeCore
import ProbeTensor

/// The state both L-BFGS objectives (logistic and squared hinge) need for an exact line search
/// of a linear model θ = [W (outputs × d, row-major) | b (outputs)]:
///   scores      Z = X·Wᵀ + b                      [n, outputs], float64
///   along line  U = X·Dᵀ + D_b for direction D    [n, outputs], one pass over X per line
/// so the loss at θ + αD costs O(n·outputs) per trial step (Z + αU), and the L2 penalty
/// ½‖θ_pen + αD_pen‖² is a quadratic in α from three dot products.
struct LinearScoresAlongLine {
    let x: Matrix
    let n: Int, d: Int, outputs: Int
    /// How many leading entries of θ the penalty covers: outputs·d (W only) or all of θ (W and b).
    let penalized: Int

    private(set) var theta: [Double] = []
    private(set) var scores: [Double]
    private(set) var directionScores: [Double]
    private(set) var direction: [Double] = []
    private var directionFloat: [Float]
    private var thetaNormSquared = 0.0, thetaDotDirection = 0.0, directionNormSquared = 0.0
    /// One float32 [outputs, d] block of Rᵀ·X per thread for the chunk it is on.
    private var gradientPartials: [Float] = []

    /// Rows per parallel chunk of every pass over X; fixed, so the sums do not depend on the thread count.
    static let chunk = 2048
    /// Rows per sgemm of the scores (X·Wᵀ) and gradient (Rᵀ·X) passes (one output: one sgemv per chunk
    /// instead). With few outputs these products
    /// are thin and OpenBLAS's packing of X dominates one call over all rows; calls over a few rows
    /// take its unpacked small-matrix path instead, measured about 2× faster at 10 outputs (and
    /// 1.7× for the gradient at 8 rows). With many outputs the products are real GEMMs that want
    /// bigger blocks.
    var scoresBlock: Int { outputs <= 16 ? 32 : 256 }
    var gradientBlock: Int { outputs <= 16 ? 8 : 256 }

    var chunkCount: Int { (n + Self.chunk - 1) / Self.chunk }

    init(x: Matrix, outputs: Int, penalizesIntercept: Bool) {
        self.x = x
        n = x.rows
        d = x.cols
        self.outputs = outputs
        penalized = penalizesIntercept ? outputs * d + outputs : outputs * d
        scores = [Double](repeating: 0, count: n * outputs)
        directionScores = scores
        directionFloat = [Float](repeating: 0, count: outputs * d)
    }

    /// Runs `body(chunk)` for every chunk of rows, spread over `ComputeThreads.count` threads that each
    /// call sgemm single-threaded (OpenBLAS's own threading is slow for these thin products).
    static func forEachChunk(_ chunks: Int, _ body: (Int) -> Void) {
        let threads = max(1, min(ComputeThreads.count, chunks))
        withSingleThreadedBLAS {
            parallelFor(threads: threads) { slot in
                for ch in stride(from: slot, to: chunks, by: threads) { body(ch) }
            }
        }
    }

    /// out [n, outputs] = X·Wᵀ + b for float32 W [outputs, d], the product in float32 (sgemm), the sum in float64.
    private func linearScores(weights: [Float], bias: ArraySlice<Double>, into out: inout [Double]) {
        let m = outputs, n = self.n, d = self.d, chunks = chunkCount, block = scoresBlock
        let bias = Array(bias)
        x.values.withUnsafeBufferPointer { xp in
            weights.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    Self.forEachChunk(chunks) { ch in
                        var start = ch * Self.chunk
                        let end = min(n, start + Self.chunk)
                        if m == 1 {
                            // One output (binary models): a matrix-vector product over the whole chunk.
                            // sgemm with one column still packs X at every call, ~3x slower than sgemv here.
                            var u = [Float](repeating: 0, count: end - start)
                            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(end - start), Int32(d), 1, xp.baseAddress! + start * d,
                                        Int32(d), wp.baseAddress, 1, 0, &u, 1)
                            for r in 0..<(end - start) { op[start + r] = Double(u[r]) + bias[0] }
                            return
                        }
                        var u = [Float](repeating: 0, count: block * m)
                        while start < end {
                            let rows = min(block, end - start)
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(m), Int32(d),
                                        1, xp.baseAddress! + start * d, Int32(d), wp.baseAddress, Int32(d), 0, &u, Int32(m))
                            for r in 0..<rows { for k in 0..<m { op[(start + r) * m + k] = Double(u[r * m + k]) + bias[k] } }
                            start += rows
                        }
                    }
                }
            }
        }
    }

    mutating func reset(to theta: [Double]) {
        self.theta = theta
        let w = theta[0..<(outputs * d)].map(Float.init)
        if w.allSatisfy({ $0 == 0 }) {
            // The usual start θ = 0: the scores are the intercepts, no pass over X needed.
            for r in 0..<n { for k in 0..<outputs { scores[r * outputs + k] = theta[outputs * d + k] } }
        } else {
            linearScores(weights: w, bias: theta[(outputs * d)...], into: &scores)
        }
    }

    /// Prepares U for `direction`, rounding its W part to float32 in place: that is the step the
    /// scores will really take, so the line search and the accepted point agree.
    mutating func beginLine(direction: inout [Double]) {
        let m = outputs, d = self.d, penalized = self.penalized
        directionFloat.withUnsafeMutableBufferPointer { f in
            direction.withUnsafeMutableBufferPointer { direction in
                for i in 0..<(m * d) {
                    f[i] = Float(direction[i])
                    direction[i] = Double(f[i])
                }
            }
        }
        self.direction = direction
        linearScores(weights: directionFloat, bias: direction[(m * d)...], into: &directionScores)
        var tt = 0.0, td = 0.0, dd = 0.0
        theta.withUnsafeBufferPointer { theta in
            direction.withUnsafeBufferPointer { direction in
                for i in 0..<penalized {
                    tt += theta[i] * theta[i]
                    td += theta[i] * direction[i]
                    dd += direction[i] * direction[i]
                }
            }
        }
        thetaNormSquared = tt; thetaDotDirection = td; directionNormSquared = dd
    }

    /// ½‖θ + αD‖² over the penalised entries, and its derivative in α.
    func penalty(step: Double) -> (value: Double, slope: Double) {
        (0.5 * (thetaNormSquared + 2 * step * thetaDotDirection + step * step * directionNormSquared),
         thetaDotDirection + step * directionNormSquared)
    }

    /// ∂f/∂W = Rᵀ·X for residuals R = ∂f/∂Z [n, outputs], into `out` [outputs, d]: per chunk of rows a
    /// float32 sum of sgemm calls over `gradientBlock` rows, the chunks added in float64 in chunk order
    /// (so the sum does not depend on the thread count). The chunks run in rounds of one per thread,
    /// which bounds the float32 partials to threads × outputs × d whatever n is.
    mutating func weightGradient(residual: [Float], into out: inout [Double]) {
        let m = outputs, n = self.n, d = self.d, chunks = chunkCount, rowsPerCall = gradientBlock
        let block = m * d
        let threads = max(1, min(ComputeThreads.count, chunks))
        if gradientPartials.count < threads * block { gradientPartials = [Float](repeating: 0, count: threads * block) }
        for i in 0..<block { out[i] = 0 }
        x.values.withUnsafeBufferPointer { xp in
            residual.withUnsafeBufferPointer { rp in
                gradientPartials.withUnsafeMutableBufferPointer { partial in
                    out.withUnsafeMutableBufferPointer { sum in
                        withSingleThreadedBLAS {
                            var roundStart = 0
                            while roundStart < chunks {
                                let inRound = min(threads, chunks - roundStart)
                                parallelFor(threads: inRound) { slot in
                                    var start = (roundStart + slot) * Self.chunk
                                    let end = min(n, start + Self.chunk)
                                    if m == 1 {
                                        // One output: Xᵀ·r over the chunk as one matrix-vector product.
                                        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(end - start), Int32(d), 1, xp.baseAddress! + start * d,
                                                    Int32(d), rp.baseAddress! + start, 1, 0, partial.baseAddress! + slot * block, 1)
                                        return
                                    }
                                    var beta: Float = 0
                                    while start < end {
                                        let rows = min(rowsPerCall, end - start)
                                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(d), Int32(rows),
                                                    1, rp.baseAddress! + start * m, Int32(m), xp.baseAddress! + start * d, Int32(d),
                                                    beta, partial.baseAddress! + slot * block, Int32(d))
                                        beta = 1
                                        start += rows
                                    }
                                }
                                for slot in 0..<inRound {
                                    for i in 0..<block { sum[i] += Double(partial[slot * block + i]) }
                                }
                                roundStart += inRound
                            }
                        }
                    }
                }
            }
        }
    }

    /// Moves θ and Z to θ + αD.
    mutating func accept(step: Double) {
        theta.withUnsafeMutableBufferPointer { theta in
            direction.withUnsafeBufferPointer { direction in
                for i in 0..<theta.count { theta[i] += step * direction[i] }
            }
        }
        scores.withUnsafeMutableBufferPointer { scores in
            directionScores.withUnsafeBufferPointer { u in
                for i in 0..<scores.count { scores[i] += step * u[i] }
            }
        }
    }
}

/// A line-search objective of a linear model whose point and scores live in `line`: moving the
/// point is the same for every loss, so only the loss (`valueAndGradient`, `evaluateLine`) differs.
protocol LinearModelObjective: LineSearchObjective {
    var line: LinearScoresAlongLine { get set }
    /// f and ∇f at the current point of `line`.
    mutating func valueAndGradient(_ gradient: inout [Double]) -> Double
}

extension LinearModelObjective {
    mutating func reset(to theta: [Double], gradient: inout [Double]) -> Double {
        line.reset(to: theta)
        return valueAndGradient(&gradient)
    }

    mutating func beginLine(direction: inout [Double]) {
        line.beginLine(direction: &direction)
    }

    mutating func acceptLine(step: Double, gradient: inout [Double]) -> Double {
        line.accept(step: step)
        return valueAndGradient(&gradient)
    }
}
