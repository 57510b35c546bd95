import COpenBLAS
import ProbeTensor

/// The state both L-BFGS objectives (logistic and squared hinge) need for an exact line search
/// of a linear model θ = [W (outputs × d, row-major) | b (outputs)]:
///   scores      Z = X·Wᵀ + b                      [n, outputs], float64
///   along line  U = X·Dᵀ + D_b for direction D    [n, outputs], one sgemm per line
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

    mutating func reset(to theta: [Double]) {
        self.theta = theta
        let w = Matrix(rows: outputs, cols: d, values: theta[0..<(outputs * d)].map(Float.init))
        let z = linearScores(x, w, theta[(outputs * d)...].map(Float.init))
        for i in 0..<(n * outputs) { scores[i] = Double(z.values[i]) }
    }

    /// Prepares U for `direction`, rounding its W part to float32 in place: that is the step the
    /// scores will really take, so the line search and the accepted point agree.
    mutating func beginLine(direction: inout [Double]) {
        let m = outputs
        for i in 0..<(m * d) {
            directionFloat[i] = Float(direction[i])
            direction[i] = Double(directionFloat[i])
        }
        self.direction = direction
        var u = [Float](repeating: 0, count: n * m)
        x.values.withUnsafeBufferPointer { xp in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(m), Int32(d),
                        1, xp.baseAddress, Int32(d), directionFloat, Int32(d), 0, &u, Int32(m))
        }
        for r in 0..<n { for k in 0..<m { directionScores[r * m + k] = Double(u[r * m + k]) + direction[m * d + k] } }
        thetaNormSquared = 0; thetaDotDirection = 0; directionNormSquared = 0
        for i in 0..<penalized {
            thetaNormSquared += theta[i] * theta[i]
            thetaDotDirection += theta[i] * direction[i]
            directionNormSquared += direction[i] * direction[i]
        }
    }

    /// ½‖θ + αD‖² over the penalised entries, and its derivative in α.
    func penalty(step: Double) -> (value: Double, slope: Double) {
        (0.5 * (thetaNormSquared + 2 * step * thetaDotDirection + step * step * directionNormSquared),
         thetaDotDirection + step * directionNormSquared)
    }

    /// ∂f/∂W = Rᵀ·X for residuals R = ∂f/∂Z [n, outputs], into `out` [outputs, d] (one sgemm).
    func weightGradient(residual: [Float], into out: inout [Float]) {
        x.values.withUnsafeBufferPointer { xp in
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(outputs), Int32(d), Int32(n),
                        1, residual, Int32(outputs), xp.baseAddress, Int32(d), 0, &out, Int32(d))
        }
    }

    /// Moves θ and Z to θ + αD.
    mutating func accept(step: Double) {
        for i in 0..<theta.count { theta[i] += step * direction[i] }
        for i in 0..<scores.count { scores[i] += step * directionScores[i] }
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
