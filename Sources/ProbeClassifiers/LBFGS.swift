/// Limited-memory BFGS for smooth unconstrained minimisation (Nocedal & Wright, Numerical
/// Optimization, 2nd ed., Algorithm 7.4 two-loop recursion and Algorithms 3.5/3.6 line search).
///
/// Chosen to stop where scipy's L-BFGS-B (as scikit-learn calls it) stops: after iteration k it
/// returns when max_i |g_i| ≤ `gradientTolerance` or when
/// (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ `relativeReductionTolerance`. History m = 10 and the
/// strong Wolfe constants c1 = 1e-3, c2 = 0.9 are scipy's defaults; at most 50 trial steps per line
/// search as scikit-learn asks. The first step is 1/‖g‖ as in L-BFGS-B, later steps start at 1.
///
/// The problem exposes its line search separately from its full gradient: for a linear model the
/// objective along a line and its slope cost O(n·K) once X·direction is known, while the gradient
/// needs a GEMM, so the gradient is computed only at accepted points.
protocol LineSearchObjective {
    /// Number of parameters.
    var dimension: Int { get }
    /// Sets the current point to `theta` and returns f(theta), writing ∇f into `gradient`.
    mutating func reset(to theta: [Double], gradient: inout [Double]) -> Double
    /// Prepares evaluations along theta + α·direction from the current point.
    /// The problem may round `direction` (e.g. to the float32 it multiplies with) so that the point it
    /// tracks and the point the solver tracks stay the same.
    mutating func beginLine(direction: inout [Double])
    /// f and df/dα at theta + α·direction.
    mutating func evaluateLine(step: Double) -> (value: Double, slope: Double)
    /// Moves the current point to theta + α·direction; returns f there and writes ∇f into `gradient`.
    mutating func acceptLine(step: Double, gradient: inout [Double]) -> Double
}

struct LBFGSResult {
    var theta: [Double]
    var value: Double
    var iterations: Int
    var gradientMaxAbs: Double
    var converged: Bool
    /// Why the solver stopped when it did not converge, in a sentence.
    var warning: String?
}

struct LBFGSOptions {
    var maxIterations = 100
    var gradientTolerance = 1e-4
    var relativeReductionTolerance = 64 * Double.ulpOfOne
    var history = 10
    var maxLineSearchSteps = 50
    var sufficientDecrease = 1e-3
    var curvature = 0.9
    /// Replaces the max-abs gradient test when set (e.g. liblinear's relative gradient norm per class).
    var gradientConverged: (([Double]) -> Bool)? = nil
}

// The vector loops below run over raw buffers: on arrays of arrays Swift re-checks bounds and
// uniqueness at every element, which made these O(history · dimension) loops cost more than the two
// GEMMs of an iteration on small training sets (a 158 × 1280 fold: ~100 µs of 250 µs per iteration).

/// Σ a_i·b_i in eight interleaved partial sums (lane l takes i ≡ l mod 8), added lane by lane at the
/// end: a fixed order on every CPU, and no chain of dependent additions (a single running sum made
/// the 2·history + 2 dots the slowest part of an iteration on small problems).
@inline(__always) private func dot(_ a: [Double], _ b: [Double]) -> Double {
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            let n = a.count
            var lanes = SIMD8<Double>()
            var i = 0
            while i + 8 <= n {
                lanes += UnsafeRawPointer(a.baseAddress! + i).loadUnaligned(as: SIMD8<Double>.self)
                    * UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: SIMD8<Double>.self)
                i += 8
            }
            var s = 0.0
            for l in 0..<8 { s += lanes[l] }
            while i < n { s += a[i] * b[i]; i += 1 }
            return s
        }
    }
}

/// y_i += a·x_i for every i.
@inline(__always) private func addScaled(_ a: Double, _ x: [Double], to y: inout [Double]) {
    x.withUnsafeBufferPointer { x in
        y.withUnsafeMutableBufferPointer { y in
            for i in 0..<y.count { y[i] += a * x[i] }
        }
    }
}

private func maxAbs(_ a: [Double]) -> Double { a.reduce(0) { max($0, abs($1)) } }

func minimizeLBFGS<P: LineSearchObjective>(_ problem: inout P, start: [Double], options: LBFGSOptions) -> LBFGSResult {
    let n = problem.dimension
    var theta = start
    var gradient = [Double](repeating: 0, count: n)
    var f = problem.reset(to: theta, gradient: &gradient)
    var sHistory = [[Double]](), yHistory = [[Double]](), rhoHistory = [Double]()
    var iterations = 0
    var gMax = maxAbs(gradient)
    let gradientSmall = options.gradientConverged ?? { g in maxAbs(g) <= options.gradientTolerance }
    if gradientSmall(gradient) {
        return LBFGSResult(theta: theta, value: f, iterations: 0, gradientMaxAbs: gMax, converged: true, warning: nil)
    }
    var direction = [Double](repeating: 0, count: n)
    var alpha = [Double](repeating: 0, count: options.history)
    while iterations < options.maxIterations {
        // Two-loop recursion: direction = −H·g with H0 = (sᵀy / yᵀy)·I from the newest pair.
        direction.withUnsafeMutableBufferPointer { d in
            gradient.withUnsafeBufferPointer { g in for i in 0..<n { d[i] = -g[i] } }
        }
        let m = sHistory.count
        if m > 0 {
            for j in stride(from: m - 1, through: 0, by: -1) {
                alpha[j] = rhoHistory[j] * dot(sHistory[j], direction)
                addScaled(-alpha[j], yHistory[j], to: &direction)
            }
            let gamma = dot(sHistory[m - 1], yHistory[m - 1]) / dot(yHistory[m - 1], yHistory[m - 1])
            direction.withUnsafeMutableBufferPointer { d in for i in 0..<n { d[i] *= gamma } }
            for j in 0..<m {
                let beta = rhoHistory[j] * dot(yHistory[j], direction)
                addScaled(alpha[j] - beta, sHistory[j], to: &direction)
            }
        }
        problem.beginLine(direction: &direction)
        var slope0 = dot(direction, gradient)
        if !(slope0 < 0) {
            // Not a descent direction (rounding in the history): restart from steepest descent.
            sHistory.removeAll(); yHistory.removeAll(); rhoHistory.removeAll()
            for i in 0..<n { direction[i] = -gradient[i] }
            problem.beginLine(direction: &direction)
            slope0 = dot(direction, gradient)
        }
        let firstStep = sHistory.isEmpty ? 1 / dot(gradient, gradient).squareRoot() : 1
        guard let step = strongWolfeStep(&problem, value0: f, slope0: slope0, initialStep: firstStep, options: options) else {
            return LBFGSResult(theta: theta, value: f, iterations: iterations, gradientMaxAbs: gMax, converged: false,
                               warning: "the line search found no step that lowers the objective after \(iterations) iterations (largest gradient component \(gMax)); the result is the best point reached")
        }
        let previousGradient = gradient
        let fNew = problem.acceptLine(step: step, gradient: &gradient)
        iterations += 1
        var s = [Double](repeating: 0, count: n), yv = [Double](repeating: 0, count: n)
        s.withUnsafeMutableBufferPointer { s in
            yv.withUnsafeMutableBufferPointer { yv in
                theta.withUnsafeMutableBufferPointer { theta in
                    direction.withUnsafeBufferPointer { d in
                        gradient.withUnsafeBufferPointer { g in
                            previousGradient.withUnsafeBufferPointer { g0 in
                                for i in 0..<n {
                                    s[i] = step * d[i]
                                    theta[i] += s[i]
                                    yv[i] = g[i] - g0[i]
                                }
                            }
                        }
                    }
                }
            }
        }
        let sy = dot(s, yv), yy = dot(yv, yv)
        // L-BFGS-B keeps a pair only when the curvature condition holds clearly.
        if sy > Double.ulpOfOne * yy {
            if sHistory.count == options.history { sHistory.removeFirst(); yHistory.removeFirst(); rhoHistory.removeFirst() }
            sHistory.append(s); yHistory.append(yv); rhoHistory.append(1 / sy)
        }
        let reduction = (f - fNew) / max(abs(f), abs(fNew), 1)
        f = fNew
        gMax = maxAbs(gradient)
        if gradientSmall(gradient) || reduction <= options.relativeReductionTolerance {
            return LBFGSResult(theta: theta, value: f, iterations: iterations, gradientMaxAbs: gMax, converged: true, warning: nil)
        }
    }
    return LBFGSResult(theta: theta, value: f, iterations: iterations, gradientMaxAbs: gMax, converged: false,
                       warning: "did not converge in \(options.maxIterations) iterations (largest gradient component \(gMax), tolerance \(options.gradientTolerance)); raise the iteration limit")
}

/// A step satisfying the strong Wolfe conditions f(α) ≤ f0 + c1·α·f0′ and |f′(α)| ≤ c2·|f0′|, by
/// bracketing then zooming with safeguarded cubic interpolation; nil when none is found.
private func strongWolfeStep<P: LineSearchObjective>(_ problem: inout P, value0: Double, slope0: Double,
                                                    initialStep: Double, options: LBFGSOptions) -> Double? {
    let c1 = options.sufficientDecrease, c2 = options.curvature
    var evaluations = 0
    var previousStep = 0.0, previousValue = value0, previousSlope = slope0
    var step = initialStep
    // Best step seen that satisfies sufficient decrease, for a graceful exit when the budget runs out.
    var fallback: Double? = nil

    func zoom(_ problem: inout P, lo loIn: (Double, Double, Double), hi hiIn: (Double, Double, Double)) -> Double? {
        var lo = loIn, hi = hiIn
        while evaluations < options.maxLineSearchSteps {
            let width = hi.0 - lo.0
            if abs(width) <= 1e-16 * max(abs(lo.0), 1e-300) { break }
            var trial = cubicMinimizer(lo, hi)
            let lower = min(lo.0, hi.0) + 0.1 * abs(width), upper = max(lo.0, hi.0) - 0.1 * abs(width)
            if !trial.isFinite || trial < lower || trial > upper { trial = lo.0 + 0.5 * width }
            let (value, slope) = problem.evaluateLine(step: trial)
            evaluations += 1
            if value > value0 + c1 * trial * slope0 || value >= lo.1 {
                hi = (trial, value, slope)
            } else {
                if abs(slope) <= -c2 * slope0 { return trial }
                if slope * (hi.0 - lo.0) >= 0 { hi = lo }
                lo = (trial, value, slope)
            }
        }
        // Out of budget: lo satisfies sufficient decrease whenever lo.0 > 0.
        return lo.0 > 0 ? lo.0 : nil
    }

    while evaluations < options.maxLineSearchSteps {
        let (value, slope) = problem.evaluateLine(step: step)
        evaluations += 1
        if !value.isFinite {
            step = 0.5 * (previousStep + step)
            continue
        }
        if value > value0 + c1 * step * slope0 || (evaluations > 1 && value >= previousValue) {
            return zoom(&problem, lo: (previousStep, previousValue, previousSlope), hi: (step, value, slope))
        }
        if abs(slope) <= -c2 * slope0 { return step }
        fallback = step
        if slope >= 0 {
            return zoom(&problem, lo: (step, value, slope), hi: (previousStep, previousValue, previousSlope))
        }
        previousStep = step; previousValue = value; previousSlope = slope
        step *= 4
    }
    return fallback
}

/// Minimiser of the cubic through (a, f(a), f′(a)) and (b, f(b), f′(b)) (Nocedal & Wright eq. 3.59).
private func cubicMinimizer(_ a: (Double, Double, Double), _ b: (Double, Double, Double)) -> Double {
    let d1 = a.2 + b.2 - 3 * (a.1 - b.1) / (a.0 - b.0)
    let radicand = d1 * d1 - a.2 * b.2
    if radicand < 0 { return .nan }
    let d2 = (b.0 > a.0 ? 1.0 : -1.0) * radicand.squareRoot()
    return b.0 - (b.0 - a.0) * (b.2 + d2 - d1) / (b.2 - a.2 + 2 * d2)
}
