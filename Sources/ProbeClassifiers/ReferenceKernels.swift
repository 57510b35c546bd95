// Naive reference kernels: plain loops in float64 over the same layouts as the fast kernels, kept
// beside them so tests can compare the two on random shapes. Too slow for real data.
import Foundation
import ProbeCore
import ProbeTensor

/// X·Wᵀ + b with float64 dot products: x [n, d], w [m, d], b [m] → [n, m]. Reference for `linearScores`.
public func linearScoresReference(_ x: Matrix, _ w: Matrix, _ b: [Float]) -> Matrix {
    var out = Matrix(rows: x.rows, cols: w.rows)
    for r in 0..<x.rows {
        for k in 0..<w.rows {
            var s = Double(b[k])
            for j in 0..<x.cols { s += Double(x[r, j]) * Double(w[k, j]) }
            out[r, k] = Float(s)
        }
    }
    return out
}

/// All query–training distances in float64, sorted by (distance, training index). Reference for
/// `KNeighborsModel.kneighbors`.
public func kneighborsReference(training: Matrix, queries: Matrix, k: Int, metric: NeighborMetric) -> Neighbors {
    var result = Neighbors(indices: [], distances: [])
    for q in 0..<queries.rows {
        var all = [(Int, Double)]()
        for t in 0..<training.rows {
            var dist = 0.0, dotProduct = 0.0, qq = 0.0, tt = 0.0
            for j in 0..<training.cols {
                let a = Double(queries[q, j]), b = Double(training[t, j])
                dist += (a - b) * (a - b); dotProduct += a * b; qq += a * a; tt += b * b
            }
            all.append((t, metric == .euclidean ? dist.squareRoot() : (qq > 0 && tt > 0 ? 1 - dotProduct / (qq.squareRoot() * tt.squareRoot()) : 1)))
        }
        all.sort { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        result.indices.append(all.prefix(k).map { $0.0 })
        result.distances.append(all.prefix(k).map { $0.1 })
    }
    return result
}

/// The solver's scaled logistic objective F = Σ ŝ_i ℓ_i + ½λ‖W‖² (ŝ = s/Σs, λ = 1/(C·Σs)) and its
/// gradient laid out as [W row-major (m·d), b (m)], by direct loops. Labels are class indices 0..<K;
/// m = 1 when K = 2. Reference for the L-BFGS problem's GEMM kernels.
public func logisticScaledObjectiveReference(x: Matrix, classIndices y: [Int], classCount: Int, sampleWeights s: [Double],
                                             c: Double, coefficients w: Matrix, intercepts b: [Double]) -> (value: Double, gradient: [Double]) {
    let m = w.rows, d = x.cols
    let total = s.reduce(0, +)
    let lambda = 1 / (c * total)
    var value = 0.0
    var gradient = [Double](repeating: 0, count: m * d + m)
    for i in 0..<x.rows {
        var z = [Double](repeating: 0, count: m)
        for k in 0..<m {
            z[k] = b[k]
            for j in 0..<d { z[k] += Double(w[k, j]) * Double(x[i, j]) }
        }
        var residual = [Double](repeating: 0, count: m)
        if m == 1 {
            let t = y[i] == 1 ? 1.0 : 0.0
            value += s[i] / total * (softplus(z[0]) - t * z[0])
            residual[0] = sigmoid(z[0]) - t
        } else {
            let top = z.max()!
            let sum = z.reduce(0) { $0 + exp($1 - top) }
            value += s[i] / total * (top + log(sum) - z[y[i]])
            for k in 0..<m { residual[k] = exp(z[k] - top) / sum - (k == y[i] ? 1 : 0) }
        }
        for k in 0..<m {
            let g = s[i] / total * residual[k]
            for j in 0..<d { gradient[k * d + j] += g * Double(x[i, j]) }
            gradient[m * d + k] += g
        }
    }
    for k in 0..<m { for j in 0..<d {
        value += 0.5 * lambda * Double(w[k, j]) * Double(w[k, j])
        gradient[k * d + j] += lambda * Double(w[k, j])
    } }
    _ = classCount
    return (value, gradient)
}
