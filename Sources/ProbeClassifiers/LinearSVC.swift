// Linear support-vector classifier, scikit-learn's default `LinearSVC()` (liblinear's
// L2-regularised L2-loss SVC), one-vs-rest.
//
// For each binary problem with targets t_i ∈ {−1, +1}, features augmented with a constant
// x̃_i = [x_i, 1] (liblinear's bias with intercept_scaling 1, so the intercept IS regularised):
//     min_w  ½ ‖w̃‖² + C · Σ_i max(0, 1 − t_i w̃·x̃_i)²
// solved in the dual by coordinate descent (Hsieh, Chang, Lin, Keerthi & Sundararajan, "A Dual
// Coordinate Descent Method for Large-scale Linear SVM", ICML 2008, Algorithm 1 with shrinking):
//     min_α ½ αᵀ(Q + D)α − Σ α_i,  α ≥ 0,  Q_ij = t_i t_j x̃_i·x̃_j,  D_ii = 1/(2C),
// keeping w̃ = Σ α_i t_i x̃_i. Each outer pass visits the active coordinates in a random order
// (SplitMix64), and stops when the spread of projected gradients is ≤ tolerance.
//
// Layout: X row-major [n, d] float32; w̃ is kept in float64 ([d] weights + bias). Classes are
// solved in parallel (they are independent).
import Foundation
import ProbeCore
import ProbeTensor

/// Which formulation LinearSVC solves; both reach the same minimiser.
public enum LinearSVCSolver: String, Sendable, CaseIterable, Codable {
    /// scikit-learn's dual="auto": dual when there are fewer samples than features, else primal.
    case auto
    /// Dual coordinate descent (this file).
    case dual
    /// L-BFGS on the primal (LinearSVCPrimal.swift).
    case primal
}

public struct LinearSVC: Sendable {
    public var c: Double
    /// Stop when max − min projected gradient over a pass is at most this (liblinear's eps).
    public var tolerance: Double
    /// Outer passes over the data per binary problem.
    public var maxIterations: Int
    /// Seed of the coordinate order.
    public var seed: UInt64
    public var solver: LinearSVCSolver

    public init(c: Double = 1, tolerance: Double = 1e-4, maxIterations: Int = 1000, seed: UInt64 = 0, solver: LinearSVCSolver = .auto) {
        self.c = c
        self.solver = solver
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.seed = seed
    }

    /// Fits one binary problem (two classes: `classes[1]` is positive) or one per class (K > 2).
    public func fit(x: Matrix, y: [Int]) throws -> LinearSVCModel {
        guard c > 0, c.isFinite else { throw ClassifierError("C must be a positive number, not \(c)") }
        guard maxIterations >= 1 else { throw ClassifierError("the iteration limit must be at least 1") }
        let classes = try validateTrainingData(x, y, sampleWeights: nil)
        let targets = classIndices(y, classes: classes)
        let problems = classes.count == 2 ? 1 : classes.count
        let n = x.rows, d = x.cols
        if solver == .primal || (solver == .auto && n >= d) {
            let r = fitSquaredHingePrimal(x: x, targets: targets, classCount: classes.count, c: c, tolerance: tolerance, maxIterations: maxIterations)
            return try LinearSVCModel(classes: classes, coefficients: Matrix(rows: problems, cols: d, values: r.weights.map(Float.init)),
                                  intercepts: r.intercepts.map(Float.init), iterations: [r.iterations], warning: r.warning)
        }
        // ‖x̃_i‖² + D_ii, the diagonal of Q + D.
        var diagonal = [Double](repeating: 1 + 1 / (2 * c), count: n)
        x.values.withUnsafeBufferPointer { xp in
            for i in 0..<n {
                var s = 0.0
                for j in 0..<d { let v = Double(xp[i * d + j]); s += v * v }
                diagonal[i] += s
            }
        }
        var results = [DualResult?](repeating: nil, count: problems)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: problems) { k in
            let positive = problems == 1 ? 1 : k
            let signs: [Float] = targets.map { $0 == positive ? 1 : -1 }
            let r = solveDual(x: x, signs: signs, diagonal: diagonal, c: c, tolerance: tolerance,
                              maxIterations: maxIterations, seed: seed &+ UInt64(k))
            lock.lock(); results[k] = r; lock.unlock()
        }
        var w = [Float](), b = [Float](), iterations = [Int](), warnings = [String]()
        for (k, r) in results.enumerated() {
            let r = r!
            w += r.weights[0..<d].map(Float.init)
            b.append(Float(r.weights[d]))
            iterations.append(r.iterations)
            if !r.converged {
                warnings.append("class \(classes[problems == 1 ? 1 : k]) did not converge in \(maxIterations) passes")
            }
        }
        return try LinearSVCModel(classes: classes, coefficients: Matrix(rows: problems, cols: d, values: w), intercepts: b,
                              iterations: iterations,
                              warning: warnings.isEmpty ? nil : "linear SVM: " + warnings.joined(separator: "; ") + "; raise the iteration limit")
    }
}

struct DualResult {
    var weights: [Double]  // d weights then the bias
    var iterations: Int
    var converged: Bool
}

/// Dual coordinate descent for one binary problem (see the file header). `signs` are t_i = ±1.
func solveDual(x: Matrix, signs: [Float], diagonal: [Double], c: Double, tolerance: Double,
               maxIterations: Int, seed: UInt64) -> DualResult {
    let n = x.rows, d = x.cols
    let dii = 1 / (2 * c)
    var w = [Double](repeating: 0, count: d + 1)
    var alpha = [Double](repeating: 0, count: n)
    var order = Array(0..<n)
    var rng = SplitMix64(seed: seed)
    var activeCount = n
    // Largest projected gradient of the previous pass: a coordinate at α = 0 whose gradient exceeds it
    // is shrunk (with no upper bound on α, the squared-hinge dual never shrinks at the top).
    var previousMax = Double.infinity
    var iteration = 0
    var converged = false
    x.values.withUnsafeBufferPointer { xp in
        w.withUnsafeMutableBufferPointer { wp in
            while iteration < maxIterations {
                var passMax = -Double.infinity, passMin = Double.infinity
                // Shuffle the active prefix.
                var i = activeCount - 1
                while i > 0 { order.swapAt(i, rng.uniform(below: i + 1)); i -= 1 }
                var s = 0
                while s < activeCount {
                    let row = order[s]
                    let t = Double(signs[row])
                    let xr = xp.baseAddress! + row * d
                    var dotProduct = wp[d]  // bias feature is 1
                    for j in 0..<d { dotProduct += wp[j] * Double(xr[j]) }
                    let gradient = t * dotProduct - 1 + dii * alpha[row]
                    var projected = gradient
                    if alpha[row] == 0 {
                        if gradient > previousMax {
                            // Shrink: at the bound and likely to stay there.
                            activeCount -= 1
                            order.swapAt(s, activeCount)
                            continue
                        }
                        if gradient > 0 { projected = 0 }
                    }
                    passMax = max(passMax, projected)
                    passMin = min(passMin, projected)
                    if abs(projected) > 1e-12 {
                        let old = alpha[row]
                        alpha[row] = max(old - gradient / diagonal[row], 0)
                        let delta = (alpha[row] - old) * t
                        for j in 0..<d { wp[j] += delta * Double(xr[j]) }
                        wp[d] += delta
                    }
                    s += 1
                }
                iteration += 1
                if passMax - passMin <= tolerance {
                    if activeCount == n { converged = true; break }
                    // Converged on the shrunk set: check once more on all coordinates.
                    activeCount = n
                    previousMax = .infinity
                    continue
                }
                previousMax = passMax <= 0 ? .infinity : passMax
            }
        }
    }
    return DualResult(weights: w, iterations: iteration, converged: converged)
}

/// A fitted linear SVM: one row of weights per class (one row in all for two classes).
public struct LinearSVCModel: Classifier, Sendable {
    public let classes: [Int]
    /// [K, d], or [1, d] scoring `classes[1]` for two classes (scikit-learn's `coef_`).
    public let coefficients: Matrix
    public let intercepts: [Float]
    /// Passes taken by each binary problem.
    public let iterations: [Int]
    /// Which problems stopped at the iteration limit (nil when all converged).
    public let warning: String?

    /// Rebuilds a model (e.g. read from a file); throws when the shapes do not fit together.
    public init(classes: [Int], coefficients: Matrix, intercepts: [Float], iterations: [Int] = [], warning: String? = nil) throws {
        let rowsExpected = classes.count == 2 ? 1 : classes.count
        guard classes.count >= 2, coefficients.rows == rowsExpected, intercepts.count == rowsExpected, coefficients.cols > 0 else {
            throw ClassifierError("linear SVM model: \(classes.count) classes need \(rowsExpected) coefficient rows and intercepts, found \(coefficients.rows) and \(intercepts.count)")
        }
        self.classes = classes
        self.coefficients = coefficients
        self.intercepts = intercepts
        self.iterations = iterations
        self.warning = warning
    }

    public var converged: Bool { warning == nil }
    public var featureCount: Int { coefficients.cols }

    /// X·Wᵀ + b: [n, K], or [n, 1] for two classes.
    public func decisionFunction(_ x: Matrix) throws -> Matrix {
        try validateQuery(x, featureCount: featureCount)
        return linearScores(x, coefficients, intercepts)
    }

    public func predict(_ x: Matrix) throws -> [Int] {
        let z = try decisionFunction(x)
        if z.cols == 1 { return z.values.map { $0 > 0 ? classes[1] : classes[0] } }
        return argmaxLabels(z, classes: classes)
    }
}

/// In a classifier file: the coefficients in the `.coef.npy` file the JSON names (`NPYSidecars`),
/// the rest in the JSON (`converged` is written for readers of the file; it follows from `warning`).
extension LinearSVCModel: Codable {
    private enum CodingKeys: String, CodingKey { case classes, coefficients, intercepts, iterations, converged, warning }

    public init(from decoder: Decoder) throws {
        let record = try decoder.container(keyedBy: CodingKeys.self)
        let classes = try record.decode([Int].self, forKey: .classes)
        let coefficients = try record.decodeIfPresent(String.self, forKey: .coefficients)
        let intercepts = try record.decodeIfPresent([Float].self, forKey: .intercepts) ?? []
        let iterations = try record.decodeIfPresent([Int].self, forKey: .iterations) ?? []
        let warning = try record.decodeIfPresent(String.self, forKey: .warning)
        try self.init(classes: classes, coefficients: NPYSidecars.of(decoder.userInfo).matrix(named: coefficients), intercepts: intercepts,
                      iterations: iterations, warning: warning)
    }

    public func encode(to encoder: Encoder) throws {
        var record = encoder.container(keyedBy: CodingKeys.self)
        try record.encode(classes, forKey: .classes)
        try record.encode(NPYSidecars.of(encoder.userInfo).write(coefficients, role: "coef"), forKey: .coefficients)
        try record.encode(intercepts, forKey: .intercepts)
        try record.encode(iterations, forKey: .iterations)
        try record.encode(converged, forKey: .converged)
        try record.encodeIfPresent(warning, forKey: .warning)
    }
}
