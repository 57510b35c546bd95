import ProbeCore
import ProbeTensor

/// Standardisation z = (x − mean) / scale with scikit-learn's `StandardScaler` conventions:
/// population variance (ddof 0) accumulated in float64, and scale 1 for constant features.
public struct StandardScaler: Sendable {
    public init() {}

    /// Statistics of the rows of `x` ([n, d]); fit on the training part only.
    public func fit(_ x: Matrix) throws -> StandardScalerModel {
        if x.rows == 0 { throw ClassifierError("cannot standardise: no samples") }
        try validateFinite(x, what: "feature")
        let n = x.rows, d = x.cols
        // Column sums accumulate row by row through a pointer to each row (no index arithmetic with
        // overflow checks in the inner loop, so it vectorises across columns; each column's sum keeps
        // its row order).
        var mean = [Double](repeating: 0, count: d)
        x.values.withUnsafeBufferPointer { v in
            mean.withUnsafeMutableBufferPointer { mean in
                for r in 0..<n {
                    let row = v.baseAddress! + r * d
                    for c in 0..<d { mean[c] += Double(row[c]) }
                }
                for c in 0..<d { mean[c] /= Double(n) }
            }
        }
        // Two-pass variance: sum of squared deviations from the mean (no cancellation).
        var variance = [Double](repeating: 0, count: d)
        x.values.withUnsafeBufferPointer { v in
            mean.withUnsafeBufferPointer { mean in
                variance.withUnsafeMutableBufferPointer { variance in
                    for r in 0..<n {
                        let row = v.baseAddress! + r * d
                        for c in 0..<d { let e = Double(row[c]) - mean[c]; variance[c] += e * e }
                    }
                }
            }
        }
        let eps = Double.ulpOfOne
        var scale = [Double](repeating: 1, count: d)
        for c in 0..<d {
            variance[c] /= Double(n)
            // scikit-learn's _is_constant_feature bound: variance within rounding noise of zero.
            let bound = Double(n) * eps * variance[c] + (Double(n) * mean[c] * eps) * (Double(n) * mean[c] * eps)
            scale[c] = variance[c] <= bound ? 1 : variance[c].squareRoot()
        }
        return try StandardScalerModel(mean: mean, scale: scale)
    }
}

/// Fitted standardisation statistics, one per feature.
public struct StandardScalerModel: Equatable, Sendable {
    public let mean: [Double]
    public let scale: [Double]

    /// Rebuilds fitted statistics (e.g. read from a file); throws unless they pair up and every scale is positive.
    public init(mean: [Double], scale: [Double]) throws {
        guard mean.count == scale.count, !mean.isEmpty else {
            throw ClassifierError("standardisation: \(mean.count) means but \(scale.count) scales")
        }
        guard mean.allSatisfy({ $0.isFinite }), scale.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw ClassifierError("standardisation: means must be finite and scales positive")
        }
        self.mean = mean
        self.scale = scale
    }

    /// (x − mean) / scale, row by row, computed in float64 and stored as float32.
    ///
    /// `x` is consumed: a matrix the caller no longer uses (a fold's freshly copied rows) is
    /// standardised in place instead of copied, which on a 160-row fold cost as much as the arithmetic.
    public func transform(_ x: consuming Matrix) throws -> Matrix { try transform(x, validated: false) }

    /// `validated`: `x` is the matrix just fitted on, whose values `fit` has checked.
    func transform(_ x: consuming Matrix, validated: Bool) throws -> Matrix {
        if x.cols != mean.count { throw ClassifierError("features have \(x.cols) columns but the scaler was fitted on \(mean.count)") }
        if !validated { try validateFinite(x, what: "feature") }
        let d = x.cols, n = x.rows
        var out = x
        let inverse = scale.map { 1 / $0 }
        out.values.withUnsafeMutableBufferPointer { v in
            mean.withUnsafeBufferPointer { mean in
                inverse.withUnsafeBufferPointer { inverse in
                    for r in 0..<n {
                        let row = v.baseAddress! + r * d
                        for c in 0..<d { row[c] = Float((Double(row[c]) - mean[c]) * inverse[c]) }
                    }
                }
            }
        }
        return out
    }
}

/// In a classifier file: `{"mean": [...], "scale": [...]}`; reading checks them as `init` does.
extension StandardScalerModel: Codable {
    private enum CodingKeys: String, CodingKey { case mean, scale }

    public init(from decoder: Decoder) throws {
        let record = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(mean: record.decode([Double].self, forKey: .mean), scale: record.decode([Double].self, forKey: .scale))
    }
}
