// L2-regularised logistic regression, scikit-learn's `LogisticRegression(solver="lbfgs")`.
//
// Objective (reported), with sample weights s_i (times class weights) and intercept b unpenalised:
//     C · Σ_i s_i · ℓ_i + ½ ‖W‖²
// Multinomial (K > 2 classes): W is [K, d], z_i = W x_i + b, ℓ_i = log Σ_k exp z_ik − z_i,y_i.
// Binary (K = 2): as scikit-learn does, one row W [1, d], z_i = w·x_i + b,
//     ℓ_i = log(1 + exp z_i) − t_i z_i with t_i = 1 for the second class.
// The solver minimises the same objective divided by C·Σ s_i (scikit-learn's LinearModelLoss scaling),
// so `tolerance` bounds the same gradient scikit-learn bounds.
//
// Layout: X is row-major [n, d] float32; logits Z [n, m] (m = K, or 1 when binary). Per L-BFGS
// iteration two float32 GEMMs: U = X·Dᵀ for the search direction D, and the gradient Rᵀ·X with
// residuals R = s·(P − Y) / Σs. Logits are carried in float64 and moved as Z += α·U, so the objective
// differences the line search and the stopping rule look at are float64-accurate.
import Foundation
import ProbeCore
import ProbeTensor
import COpenBLAS

/// How samples of each class are weighted in the loss.
public enum ClassWeight: String, Sendable, CaseIterable, Codable {
    /// Every sample weighs its sample weight.
    case none
    /// scikit-learn's "balanced": class k's samples weigh Σs / (K · Σ_{i in k} s_i).
    case balanced
}

/// Configuration of a logistic-regression fit (nothing fitted yet).
public struct LogisticRegression: Sendable {
    /// Inverse regularisation strength (scikit-learn's `C`), > 0.
    public var c: Double
    /// L-BFGS iteration limit (scikit-learn's `max_iter`; its default 100 is often too few for CNN features).
    public var maxIterations: Int
    /// Stop when every gradient component of the scaled objective is at most this (scikit-learn's `tol`).
    public var tolerance: Double
    public var classWeight: ClassWeight

    public init(c: Double = 1, maxIterations: Int = 1000, tolerance: Double = 1e-4, classWeight: ClassWeight = .none) {
        self.c = c
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.classWeight = classWeight
    }

    /// Fits on `x` [n, d] with labels `y` (n integers, at least two distinct) and optional sample weights.
    ///
    /// The solver starts from zero, or from `start`'s coefficients (a warm start: a model of the same
    /// classes and features fitted on similar data, e.g. the same rows with a few left out, reaches the
    /// tolerance in fewer iterations; the optimum is the same, within the tolerance).
    ///
    /// A fit that stops before the tolerance is met still returns its model, with `converged == false`
    /// and the reason in `warning`.
    public func fit(x: Matrix, y: [Int], sampleWeights: [Float]? = nil, start: LogisticRegressionModel? = nil) throws -> LogisticRegressionModel {
        guard c > 0, c.isFinite else { throw ClassifierError("C must be a positive number, not \(c)") }
        guard maxIterations >= 0 else { throw ClassifierError("the iteration limit must not be negative") }
        guard tolerance >= 0 else { throw ClassifierError("the tolerance must not be negative") }
        let classes = try validateTrainingData(x, y, sampleWeights: sampleWeights)
        let targets = classIndices(y, classes: classes)
        let weights = effectiveSampleWeights(targets: targets, classCount: classes.count, sampleWeights: sampleWeights, classWeight: classWeight)
        var problem = LogisticProblem(x: x, targets: targets, classCount: classes.count, sampleWeights: weights, c: c)
        var options = LBFGSOptions()
        options.maxIterations = maxIterations
        options.gradientTolerance = tolerance
        var theta = [Double](repeating: 0, count: problem.dimension)
        if let start {
            guard start.classes == classes, start.featureCount == x.cols else {
                throw ClassifierError("a warm start needs a model of the same classes and features (\(start.classes.count) classes, \(start.featureCount) features; the data has \(classes.count) and \(x.cols))")
            }
            theta = start.coefficients.values.map(Double.init) + start.intercepts.map(Double.init)
        }
        let result = minimizeLBFGS(&problem, start: theta, options: options)

        let m = problem.outputs, d = x.cols
        return try LogisticRegressionModel(
            classes: classes,
            coefficients: Matrix(rows: m, cols: d, values: result.theta[0..<(m * d)].map(Float.init)),
            intercepts: result.theta[(m * d)...].map(Float.init),
            iterations: result.iterations,
            converged: result.converged,
            warning: result.warning.map { "logistic regression " + $0 })
    }

    /// The objective C · Σ s_i ℓ_i + ½‖W‖² of `model` on `x` and `y` (with this configuration's C and
    /// class weights), in float64. Not part of every fit: only the classifier file records it, and on
    /// a 160-row fold of `probe doctor` or `probe cv` it cost as much as a quarter of the fit. The
    /// parity tests use it to compare the optimum reached with scikit-learn's.
    public func objective(of model: LogisticRegressionModel, x: Matrix, y: [Int], sampleWeights: [Float]? = nil) throws -> Double {
        let classes = try validateTrainingData(x, y, sampleWeights: sampleWeights)
        guard classes == model.classes, x.cols == model.featureCount else {
            throw ClassifierError("the objective needs the classes and features the model was fitted on")
        }
        let targets = classIndices(y, classes: classes)
        let weights = effectiveSampleWeights(targets: targets, classCount: classes.count, sampleWeights: sampleWeights, classWeight: classWeight)
        return logisticObjectiveExact(x: x, targets: targets, sampleWeights: weights, c: c,
                                      weights: model.coefficients.values.map(Double.init), intercepts: model.intercepts.map(Double.init),
                                      outputs: model.coefficients.rows)
    }
}

/// Per-sample weights after class weighting (float64).
func effectiveSampleWeights(targets: [Int], classCount: Int, sampleWeights: [Float]?, classWeight: ClassWeight) -> [Double] {
    var w = sampleWeights.map { $0.map(Double.init) } ?? [Double](repeating: 1, count: targets.count)
    if classWeight == .balanced {
        var perClass = [Double](repeating: 0, count: classCount)
        for (i, k) in targets.enumerated() { perClass[k] += w[i] }
        let total = perClass.reduce(0, +)
        for i in 0..<w.count { w[i] *= total / (Double(classCount) * perClass[targets[i]]) }
    }
    return w
}

/// A fitted logistic regression.
public struct LogisticRegressionModel: ProbabilisticClassifier, Sendable {
    public let classes: [Int]
    /// [K, d] for K > 2 classes; [1, d] for two classes (the row scores `classes[1]`), as scikit-learn's `coef_`.
    public let coefficients: Matrix
    /// K values, or 1 for two classes.
    public let intercepts: [Float]
    /// L-BFGS iterations taken.
    public let iterations: Int
    /// Whether the gradient (or the objective's relative decrease) fell below tolerance.
    public let converged: Bool
    /// C · Σ s_i ℓ_i + ½‖W‖² on the training rows, in float64, when recorded (`recording(objective:)`:
    /// `probe fit-logreg` writes it into the classifier file); a fit alone leaves it nil.
    public let objective: Double?
    /// Why the fit did not converge (nil when it did); show it to the user.
    public let warning: String?

    /// Rebuilds a model (e.g. read from a file); throws when the shapes do not fit together.
    public init(classes: [Int], coefficients: Matrix, intercepts: [Float], iterations: Int = 0, converged: Bool = true,
                objective: Double? = nil, warning: String? = nil) throws {
        let rowsExpected = classes.count == 2 ? 1 : classes.count
        guard classes.count >= 2, coefficients.rows == rowsExpected, intercepts.count == rowsExpected, coefficients.cols > 0 else {
            throw ClassifierError("logistic regression model: \(classes.count) classes need \(rowsExpected) coefficient rows and intercepts, found \(coefficients.rows) and \(intercepts.count)")
        }
        self.classes = classes
        self.coefficients = coefficients
        self.intercepts = intercepts
        self.iterations = iterations
        self.converged = converged
        self.objective = objective
        self.warning = warning
    }

    public var featureCount: Int { coefficients.cols }

    /// The same model with its objective on the training rows recorded.
    public func recording(objective: Double) throws -> LogisticRegressionModel {
        try LogisticRegressionModel(classes: classes, coefficients: coefficients, intercepts: intercepts, iterations: iterations,
                                    converged: converged, objective: objective, warning: warning)
    }

    /// Logits X·Wᵀ + b: [n, K], or [n, 1] for two classes (scikit-learn's `decision_function`).
    public func decisionFunction(_ x: Matrix) throws -> Matrix {
        try validateQuery(x, featureCount: featureCount)
        return linearScores(x, coefficients, intercepts)
    }

    public func predictProbabilities(_ x: Matrix) throws -> Matrix {
        let z = try decisionFunction(x)
        let k = classes.count
        var p = Matrix(rows: x.rows, cols: k)
        for r in 0..<x.rows {
            if z.cols == 1 {
                let positive = sigmoid(Double(z.values[r]))
                p.values[r * 2] = Float(1 - positive)
                p.values[r * 2 + 1] = Float(positive)
            } else {
                var top = -Double.infinity
                for c in 0..<k { top = max(top, Double(z.values[r * k + c])) }
                var sum = 0.0
                for c in 0..<k { sum += exp(Double(z.values[r * k + c]) - top) }
                for c in 0..<k { p.values[r * k + c] = Float(exp(Double(z.values[r * k + c]) - top) / sum) }
            }
        }
        return p
    }

    public func predict(_ x: Matrix) throws -> [Int] {
        let z = try decisionFunction(x)
        if z.cols == 1 { return z.values.map { $0 > 0 ? classes[1] : classes[0] } }
        return argmaxLabels(z, classes: classes)
    }
}

@inline(__always) func sigmoid(_ z: Double) -> Double {
    z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
}

/// log(1 + exp z) without overflow.
@inline(__always) func softplus(_ z: Double) -> Double {
    max(z, 0) + log1p(exp(-abs(z)))
}

/// X·Wᵀ + b through sgemm: x [n, d], w [m, d] → [n, m].
func linearScores(_ x: Matrix, _ w: Matrix, _ b: [Float]) -> Matrix {
    let n = x.rows, d = x.cols, m = w.rows
    var out = Matrix(rows: n, cols: m)
    if n == 0 { return out }
    for r in 0..<n { for c in 0..<m { out.values[r * m + c] = b[c] } }
    x.values.withUnsafeBufferPointer { xp in
        w.values.withUnsafeBufferPointer { wp in
            out.values.withUnsafeMutableBufferPointer { op in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(m), Int32(d),
                            1, xp.baseAddress, Int32(d), wp.baseAddress, Int32(d), 1, op.baseAddress, Int32(m))
            }
        }
    }
    return out
}

/// The objective C·Σ s_i ℓ_i + ½‖W‖² (`LogisticRegression.objective(of:…)`), with logits from float64 GEMMs over blocks of rows
/// (X converted to float64 a block at a time). The blocks run on `ComputeThreads.count` threads and
/// their losses are summed in block order, so the value does not depend on the thread count.
func logisticObjectiveExact(x: Matrix, targets: [Int], sampleWeights: [Double], c: Double,
                            weights: [Double], intercepts: [Double], outputs m: Int) -> Double {
    let n = x.rows, d = x.cols
    let block = 512
    let blocks = (n + block - 1) / block
    let threads = max(1, min(ComputeThreads.count, blocks))
    var blockLoss = [Double](repeating: 0, count: blocks)
    blockLoss.withUnsafeMutableBufferPointer { out in
        x.values.withUnsafeBufferPointer { xv in
            withSingleThreadedBLAS {
                parallelFor(threads: threads) { slot in
                    // Sized to the rows there are: a fold of a 200-photo store must not zero 5 MB per thread.
                    var xd = [Double](repeating: 0, count: min(block, n) * d)
                    var z = [Double](repeating: 0, count: min(block, n) * m)
                    for b in stride(from: slot, to: blocks, by: threads) {
                        let start = b * block, rows = min(block, n - start)
                        xd.withUnsafeMutableBufferPointer { xd in
                            let source = xv.baseAddress! + start * d
                            for i in 0..<(rows * d) { xd[i] = Double(source[i]) }
                        }
                        for r in 0..<rows { for k in 0..<m { z[r * m + k] = intercepts[k] } }
                        if m == 1 {
                            // One output: a matrix-vector product (dgemm would pack X for a single column).
                            cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(d), 1, xd, Int32(d), weights, 1, 1, &z, 1)
                        } else {
                            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(m), Int32(d),
                                        1, xd, Int32(d), weights, Int32(d), 1, &z, Int32(m))
                        }
                        var loss = 0.0
                        for r in 0..<rows {
                            let i = start + r
                            loss += sampleWeights[i] * pointLoss(z, offset: r * m, outputs: m, target: targets[i])
                        }
                        out[b] = loss
                    }
                }
            }
        }
    }
    var norm = 0.0
    for v in weights { norm += v * v }
    return c * blockLoss.reduce(0, +) + 0.5 * norm
}

/// ℓ for one sample whose m logits start at `offset`.
@inline(__always) func pointLoss(_ z: UnsafePointer<Double>, outputs m: Int, target: Int) -> Double {
    if m == 1 { return softplus(z[0]) - (target == 1 ? z[0] : 0) }
    var top = -Double.infinity
    for k in 0..<m { top = max(top, z[k]) }
    var sum = 0.0
    for k in 0..<m { sum += exp(z[k] - top) }
    return top + log(sum) - z[target]
}

@inline(__always) func pointLoss(_ z: [Double], offset: Int, outputs m: Int, target: Int) -> Double {
    z.withUnsafeBufferPointer { pointLoss($0.baseAddress! + offset, outputs: m, target: target) }
}

/// The scaled objective F(θ) = Σ ŝ_i ℓ_i + (λ/2)‖W‖², ŝ = s / Σs, λ = 1 / (C Σs), as a line-search problem.
/// θ = [W row-major (m·d), b (m)].
struct LogisticProblem: LinearModelObjective {
    let x: Matrix
    let targets: [Int32]
    let normalizedWeights: [Double]
    let lambda: Double
    let n: Int, d: Int, outputs: Int
    var dimension: Int { outputs * d + outputs }

    /// θ, the logits Z = X·Wᵀ + b and their change along the search direction (intercept unpenalised).
    var line: LinearScoresAlongLine
    var residual: [Float]
    /// Rᵀ·X, the data part of ∂f/∂W [outputs, d].
    var weightGradientSum: [Double]

    /// The line step whose loss, residuals and intercept gradient the last `evaluateLine` left in
    /// `residual`/`lossAtStep`/`biasGradientAtStep` (nil when they belong to no trial of this line).
    /// L-BFGS usually accepts its last trial, and then the gradient there needs no second pass of
    /// exps: the accepted logits Z + αU are the very numbers the trial computed.
    var cachedStep: Double? = nil
    var lossAtStep = 0.0
    var biasGradientAtStep: [Double]

    /// Rows per parallel chunk of the per-sample loops; fixed so sums are the same for any thread count.
    static let chunk = 2048

    init(x: Matrix, targets: [Int], classCount: Int, sampleWeights: [Double], c: Double) {
        self.x = x
        self.targets = targets.map(Int32.init)
        n = x.rows
        d = x.cols
        outputs = classCount == 2 ? 1 : classCount
        let total = sampleWeights.reduce(0, +)
        normalizedWeights = sampleWeights.map { $0 / total }
        lambda = 1 / (c * total)
        line = LinearScoresAlongLine(x: x, outputs: outputs, penalizesIntercept: false)
        residual = [Float](repeating: 0, count: n * outputs)
        weightGradientSum = [Double](repeating: 0, count: outputs * d)
        biasGradientAtStep = [Double](repeating: 0, count: outputs)
    }

    /// One pass over the logits z = Z + step·U (Z alone when `alongLine` is false): the data loss
    /// Σ ŝ_i ℓ_i, its slope Σ ŝ_i (p_i − y_i)·u_i along the line, the residuals R = ŝ(P − Y) into
    /// `residual`, and their per-class sums (the intercept gradient) into `biasGradientAtStep`.
    private mutating func lossPass(step: Double, alongLine: Bool) -> (value: Double, slope: Double) {
        let m = outputs, n = self.n
        let chunks = (n + Self.chunk - 1) / Self.chunk
        var partial = [(Double, Double)](repeating: (0, 0), count: chunks)
        var biasPartial = [Double](repeating: 0, count: chunks * m)
        let targets = self.targets, normalizedWeights = self.normalizedWeights
        partial.withUnsafeMutableBufferPointer { out in
            biasPartial.withUnsafeMutableBufferPointer { bias in
                residual.withUnsafeMutableBufferPointer { res in
                    line.scores.withUnsafeBufferPointer { z0 in
                        line.directionScores.withUnsafeBufferPointer { u in
                            DispatchQueue.concurrentPerform(iterations: chunks) { ch in
                                var z = [Double](repeating: 0, count: m)
                                var e = [Double](repeating: 0, count: m)
                                var value = 0.0, slope = 0.0
                                for r in (ch * Self.chunk)..<min(n, (ch + 1) * Self.chunk) {
                                    if alongLine {
                                        for k in 0..<m { z[k] = z0[r * m + k] + step * u[r * m + k] }
                                    } else {
                                        for k in 0..<m { z[k] = z0[r * m + k] }
                                    }
                                    let t = Int(targets[r]), s = normalizedWeights[r]
                                    if m == 1 {
                                        z.withUnsafeBufferPointer { zp in
                                            value += s * pointLoss(zp.baseAddress!, outputs: 1, target: t)
                                        }
                                        let g = s * (sigmoid(z[0]) - (t == 1 ? 1 : 0))
                                        res[r] = Float(g)
                                        bias[ch] += g
                                        if alongLine { slope += g * u[r] }
                                    } else {
                                        // One exp per logit for ℓ (as `pointLoss` computes it), P − Y and the slope.
                                        var top = -Double.infinity
                                        for k in 0..<m { top = max(top, z[k]) }
                                        var sum = 0.0
                                        for k in 0..<m { e[k] = exp(z[k] - top); sum += e[k] }
                                        value += s * (top + log(sum) - z[t])
                                        var rowSlope = 0.0
                                        for k in 0..<m {
                                            let g = s * (e[k] / sum - (k == t ? 1 : 0))
                                            res[r * m + k] = Float(g)
                                            bias[ch * m + k] += g
                                            if alongLine { rowSlope += g * u[r * m + k] }
                                        }
                                        slope += rowSlope
                                    }
                                }
                                out[ch] = (value, slope)
                            }
                        }
                    }
                }
            }
        }
        var value = 0.0, slope = 0.0
        for (v, sl) in partial { value += v; slope += sl }
        for k in 0..<m {
            var g = 0.0
            for ch in 0..<chunks { g += biasPartial[ch * m + k] }
            biasGradientAtStep[k] = g
        }
        return (value, slope)
    }

    /// F and dF/dα at θ + α·D; leaves the residuals there for `acceptLine`.
    mutating func evaluateLine(step: Double) -> (value: Double, slope: Double) {
        let (value, slope) = lossPass(step: step, alongLine: true)
        cachedStep = step
        lossAtStep = value
        let penalty = line.penalty(step: step)
        return (value + lambda * penalty.value, slope + lambda * penalty.slope)
    }

    mutating func beginLine(direction: inout [Double]) {
        line.beginLine(direction: &direction)
        cachedStep = nil
    }

    mutating func acceptLine(step: Double, gradient: inout [Double]) -> Double {
        line.accept(step: step)
        if cachedStep != step { lossAtStep = lossPass(step: 0, alongLine: false).value }
        cachedStep = nil
        return finishGradient(dataLoss: lossAtStep, &gradient)
    }

    /// F and ∇F at the current logits: residuals R = ŝ(P − Y) per chunk, then ∇W = Rᵀ·X + λW (sgemm), ∇b = Σ_i R_i.
    mutating func valueAndGradient(_ gradient: inout [Double]) -> Double {
        cachedStep = nil
        let loss = lossPass(step: 0, alongLine: false).value
        return finishGradient(dataLoss: loss, &gradient)
    }

    /// ∇W = Rᵀ·X + λW from the residuals in `residual`, ∇b from `biasGradientAtStep`; returns F.
    private mutating func finishGradient(dataLoss: Double, _ gradient: inout [Double]) -> Double {
        let m = outputs, d = self.d
        line.weightGradient(residual: residual, into: &weightGradientSum)
        let theta = line.theta, lambda = self.lambda
        var norm = 0.0
        gradient.withUnsafeMutableBufferPointer { g in
            weightGradientSum.withUnsafeBufferPointer { sum in
                theta.withUnsafeBufferPointer { theta in
                    for i in 0..<(m * d) {
                        g[i] = sum[i] + lambda * theta[i]
                        norm += theta[i] * theta[i]
                    }
                }
            }
        }
        for k in 0..<m { gradient[m * d + k] = biasGradientAtStep[k] }
        return dataLoss + 0.5 * lambda * norm
    }
}

extension LogisticRegression {
    /// The scaled objective F (the reported objective divided by C·Σs) and its gradient at the given
    /// parameters, computed by the solver's own GEMM kernels. `y` holds class indices 0..<classCount;
    /// `coefficients` is [m, d] with m = 1 for two classes; the gradient is laid out [W (m·d), b (m)].
    public func scaledObjective(x: Matrix, classIndices y: [Int], classCount: Int, sampleWeights: [Double],
                                coefficients: Matrix, intercepts: [Double]) -> (value: Double, gradient: [Double]) {
        var problem = LogisticProblem(x: x, targets: y, classCount: classCount, sampleWeights: sampleWeights, c: c)
        var gradient = [Double](repeating: 0, count: problem.dimension)
        let theta = coefficients.values.map(Double.init) + intercepts
        let value = problem.reset(to: theta, gradient: &gradient)
        return (value, gradient)
    }
}

/// In a classifier file: the coefficients in the `.coef.npy` file the JSON names (`NPYSidecars`),
/// the rest in the JSON; `iterations` is a list, as the SVM's is. Reading checks the shapes as
/// `init` does; a record without the solver's report reads as a converged fit.
extension LogisticRegressionModel: Codable {
    private enum CodingKeys: String, CodingKey { case classes, coefficients, intercepts, iterations, converged, objective, warning }

    public init(from decoder: Decoder) throws {
        let record = try decoder.container(keyedBy: CodingKeys.self)
        let classes = try record.decode([Int].self, forKey: .classes)
        let coefficients = try record.decodeIfPresent(String.self, forKey: .coefficients)
        let intercepts = try record.decodeIfPresent([Float].self, forKey: .intercepts) ?? []
        let iterations = try record.decodeIfPresent([Int].self, forKey: .iterations)?.first ?? 0
        let converged = try record.decodeIfPresent(Bool.self, forKey: .converged) ?? true
        let objective = try record.decodeIfPresent(Double.self, forKey: .objective)
        let warning = try record.decodeIfPresent(String.self, forKey: .warning)
        try self.init(classes: classes, coefficients: NPYSidecars.of(decoder.userInfo).matrix(named: coefficients), intercepts: intercepts,
                      iterations: iterations, converged: converged, objective: objective, warning: warning)
    }

    public func encode(to encoder: Encoder) throws {
        var record = encoder.container(keyedBy: CodingKeys.self)
        try record.encode(classes, forKey: .classes)
        try record.encode(NPYSidecars.of(encoder.userInfo).write(coefficients, role: "coef"), forKey: .coefficients)
        try record.encode(intercepts, forKey: .intercepts)
        try record.encode([iterations], forKey: .iterations)
        try record.encode(converged, forKey: .converged)
        try record.encodeIfPresent(objective, forKey: .objective)
        try record.encodeIfPresent(warning, forKey: .warning)
    }
}
