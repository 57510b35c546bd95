// The primal of LinearSVC's problem, used when samples outnumber features (scikit-learn's
// dual="auto" picks liblinear's primal solver there too, where dual coordinate descent needs many
// passes over the data).
//
// All one-vs-rest problems at once (the sum is separable, so each block of θ reaches its own minimum):
//     f(θ) = Σ_k [ ½‖w_k‖² + ½ b_k² + C Σ_i max(0, 1 − t_ik (w_k·x_i + b_k))² ]
// (the intercept is regularised: liblinear's bias feature with intercept_scaling 1), minimised by the
// L-BFGS of LBFGS.swift. The squared hinge is once differentiable with a Lipschitz gradient, which is
// all L-BFGS needs. Stopping as liblinear's primal solver: for every class,
// ‖∇f_k(θ)‖₂ ≤ tol · max(min(#positive, #negative), 1) / n · ‖∇f_k(0)‖₂.
//
// Layout as LogisticProblem: X row-major [n, d] float32, margins Z [n, m] float64 (m = K, or 1 for
// two classes), two float32 GEMMs per iteration (X·Dᵀ and Rᵀ·X).
import Foundation
import ProbeCore
import ProbeTensor
import COpenBLAS

struct SquaredHingeProblem: LinearModelObjective {
    let x: Matrix
    /// Class index per sample; t_ik = +1 when targets[i] == positive class of problem k, else −1.
    let targets: [Int32]
    let c: Double
    let n: Int, d: Int, outputs: Int
    var dimension: Int { outputs * d + outputs }

    /// θ, the margins Z = X·Wᵀ + b and their change along the search direction (bias regularised).
    var line: LinearScoresAlongLine
    var residual: [Float]
    /// Rᵀ·X, the data part of ∂f/∂W [outputs, d].
    var weightGradientSum: [Double]

    static let chunk = 2048

    init(x: Matrix, targets: [Int], classCount: Int, c: Double) {
        self.x = x
        self.targets = targets.map(Int32.init)
        self.c = c
        n = x.rows
        d = x.cols
        outputs = classCount == 2 ? 1 : classCount
        line = LinearScoresAlongLine(x: x, outputs: outputs, penalizesIntercept: true)
        residual = [Float](repeating: 0, count: n * outputs)
        weightGradientSum = [Double](repeating: 0, count: outputs * d)
    }

    /// t_ik for sample r, output k.
    @inline(__always) func sign(_ r: Int, _ k: Int) -> Double {
        let positive = outputs == 1 ? 1 : k
        return Int(targets[r]) == positive ? 1 : -1
    }

    func evaluateLine(step: Double) -> (value: Double, slope: Double) {
        let m = outputs
        let chunks = (n + Self.chunk - 1) / Self.chunk
        var partial = [(Double, Double)](repeating: (0, 0), count: chunks)
        partial.withUnsafeMutableBufferPointer { out in
            line.scores.withUnsafeBufferPointer { z0 in
                line.directionScores.withUnsafeBufferPointer { u in
                    DispatchQueue.concurrentPerform(iterations: chunks) { ch in
                        var value = 0.0, slope = 0.0
                        for r in (ch * Self.chunk)..<min(n, (ch + 1) * Self.chunk) {
                            for k in 0..<m {
                                let t = sign(r, k)
                                let h = 1 - t * (z0[r * m + k] + step * u[r * m + k])
                                if h > 0 {
                                    value += h * h
                                    slope -= 2 * h * t * u[r * m + k]
                                }
                            }
                        }
                        out[ch] = (value, slope)
                    }
                }
            }
        }
        var value = 0.0, slope = 0.0
        for (v, s) in partial { value += v; slope += s }
        let penalty = line.penalty(step: step)
        return (c * value + penalty.value, c * slope + penalty.slope)
    }

    /// f and ∇f: residuals R_ik = −2C·h_ik·t_ik (h = hinge), ∇W = Rᵀ·X + W (sgemm), ∇b = Σ_i R_i + b.
    mutating func valueAndGradient(_ gradient: inout [Double]) -> Double {
        let m = outputs, n = self.n, d = self.d, c = self.c
        let chunks = (n + Self.chunk - 1) / Self.chunk
        var partial = [Double](repeating: 0, count: chunks)
        var biasPartial = [Double](repeating: 0, count: chunks * m)
        let me = self
        line.scores.withUnsafeBufferPointer { z in
            residual.withUnsafeMutableBufferPointer { res in
                partial.withUnsafeMutableBufferPointer { out in
                    biasPartial.withUnsafeMutableBufferPointer { bias in
                        DispatchQueue.concurrentPerform(iterations: chunks) { ch in
                            var value = 0.0
                            for r in (ch * Self.chunk)..<min(n, (ch + 1) * Self.chunk) {
                                for k in 0..<m {
                                    let t = me.sign(r, k)
                                    let h = max(0, 1 - t * z[r * m + k])
                                    value += h * h
                                    let g = -2 * c * h * t
                                    res[r * m + k] = Float(g)
                                    bias[ch * m + k] += g
                                }
                            }
                            out[ch] = value
                        }
                    }
                }
            }
        }
        line.weightGradient(residual: residual, into: &weightGradientSum)
        let theta = line.theta
        var norm = 0.0
        for i in 0..<(m * d) { gradient[i] = weightGradientSum[i] + theta[i] }
        for k in 0..<m {
            var g = 0.0
            for ch in 0..<chunks { g += biasPartial[ch * m + k] }
            gradient[m * d + k] = g + theta[m * d + k]
        }
        for v in theta { norm += v * v }
        return c * partial.reduce(0, +) + 0.5 * norm
    }

    /// Per-class Euclidean norms of a gradient laid out as θ.
    func classGradientNorms(_ g: [Double]) -> [Double] {
        (0..<outputs).map { k in
            var s = g[outputs * d + k] * g[outputs * d + k]
            for j in 0..<d { s += g[k * d + j] * g[k * d + j] }
            return s.squareRoot()
        }
    }
}

/// Fits all one-vs-rest problems in the primal; returns weights [m, d], intercepts, iterations, warning.
func fitSquaredHingePrimal(x: Matrix, targets: [Int], classCount: Int, c: Double, tolerance: Double,
                           maxIterations: Int) -> (weights: [Double], intercepts: [Double], iterations: Int, warning: String?) {
    var problem = SquaredHingeProblem(x: x, targets: targets, classCount: classCount, c: c)
    let m = problem.outputs, d = x.cols, n = x.rows
    var g0 = [Double](repeating: 0, count: problem.dimension)
    _ = problem.reset(to: [Double](repeating: 0, count: problem.dimension), gradient: &g0)
    let initialNorms = problem.classGradientNorms(g0)
    let thresholds: [Double] = (0..<m).map { k in
        let positive = m == 1 ? 1 : k
        let pos = targets.filter { $0 == positive }.count
        return tolerance * Double(max(min(pos, n - pos), 1)) / Double(n) * initialNorms[k]
    }
    var options = LBFGSOptions()
    options.maxIterations = maxIterations
    let probe = problem
    options.gradientConverged = { g in
        let norms = probe.classGradientNorms(g)
        return (0..<m).allSatisfy { norms[$0] <= thresholds[$0] }
    }
    let result = minimizeLBFGS(&problem, start: [Double](repeating: 0, count: problem.dimension), options: options)
    return (Array(result.theta[0..<(m * d)]), Array(result.theta[(m * d)...]), result.iterations,
            result.warning.map { "linear SVM (primal) " + $0 })
}
