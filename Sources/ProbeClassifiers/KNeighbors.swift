// k-nearest-neighbour classification by brute force, scikit-learn's `KNeighborsClassifier(algorithm="brute")`.
//
// Euclidean: ‖q − x‖² = ‖q‖² + ‖x‖² − 2 q·x, the cross term for a block of queries against a block of
// training rows as one sgemm (Q [bq, d] · Xᵀ → [bq, bt]). Cosine: 1 − q̂·x / ‖x‖ with unit queries q̂
// (a zero row has distance 1 to everything, as after scikit-learn's `normalize`).
// The GEMM distances are float32 and can misorder near-equal neighbours, so each query keeps its best
// k + 16 candidates and these are re-ranked by distances recomputed in float64, ties broken by the
// lower training index (a stable sort, as scikit-learn's brute force does).
// Memory is bounded by the block sizes (512 queries × 2048 training rows of products): the training
// rows are read `trainingBlock` at a time through `FeatureRows` and used in place, so a memory-mapped
// store is never copied.
import Foundation
import ProbeTensor
import COpenBLAS

public enum NeighborMetric: String, Sendable, CaseIterable, Codable {
    case euclidean, cosine
}

public enum NeighborWeights: String, Sendable, CaseIterable, Codable {
    /// Each of the k neighbours has one vote.
    case uniform
    /// Votes weigh 1/distance; neighbours at distance 0 take all the weight.
    case distance
}

public struct KNeighbors: Sendable {
    public var k: Int
    public var metric: NeighborMetric
    public var weights: NeighborWeights

    public init(k: Int = 5, metric: NeighborMetric = .euclidean, weights: NeighborWeights = .uniform) {
        self.k = k
        self.metric = metric
        self.weights = weights
    }

    /// Keeps the training rows (k-NN has nothing else to fit). `x` [n, d], `y` n labels.
    public func fit<Rows: FeatureRows & Sendable>(x: Rows, y: [Int]) throws -> KNeighborsModel<Rows> {
        guard k >= 1 else { throw ClassifierError("k must be at least 1, not \(k)") }
        if x.rowCount == 0 { throw ClassifierError("no training samples: the feature matrix has 0 rows") }
        if y.count != x.rowCount { throw ClassifierError("\(y.count) labels for \(x.rowCount) feature rows") }
        if k > x.rowCount { throw ClassifierError("k = \(k) is more than the \(x.rowCount) training samples") }
        if let bad = y.firstIndex(where: { $0 < 0 }) { throw ClassifierError("label \(y[bad]) at row \(bad) is negative") }
        // Check finiteness and collect squared norms in one streaming pass.
        var norms = [Double](repeating: 0, count: x.rowCount)
        let d = x.featureCount
        let block = KNeighborsModel<Rows>.trainingBlock
        var start = 0
        while start < x.rowCount {
            let range = start..<min(x.rowCount, start + block)
            try x.withRows(range) { v in
                for r in 0..<range.count {
                    var s = 0.0
                    for j in 0..<d {
                        let value = v[r * d + j]
                        if !value.isFinite {
                            throw ClassifierError("feature value at row \(range.lowerBound + r), column \(j) is \(value.isNaN ? "NaN" : "infinite")")
                        }
                        s += Double(value) * Double(value)
                    }
                    norms[range.lowerBound + r] = s
                }
            }
            start = range.upperBound
        }
        let classes = Array(Set(y)).sorted()
        return KNeighborsModel(training: x, labels: y, classes: classes, squaredNorms: norms, k: k, metric: metric, weights: weights)
    }
}

/// The k nearest training rows of each query, nearest first.
public struct Neighbors: Equatable, Sendable {
    /// [queries][k] training row indices.
    public var indices: [[Int]]
    /// [queries][k] distances (Euclidean, not squared; or cosine distance 1 − cos).
    public var distances: [[Double]]
}

public struct KNeighborsModel<Rows: FeatureRows & Sendable>: ProbabilisticClassifier, Sendable {
    public let training: Rows
    public let labels: [Int]
    public let classes: [Int]
    let squaredNorms: [Double]
    public let k: Int
    public let metric: NeighborMetric
    public let weights: NeighborWeights

    static var trainingBlock: Int { 2048 }
    static var queryBlock: Int { 512 }
    static var extraCandidates: Int { 16 }

    public var featureCount: Int { training.featureCount }

    /// The k nearest training rows of each row of `queries` [m, d].
    public func kneighbors(_ queries: Matrix) throws -> Neighbors {
        try validateQuery(queries, featureCount: featureCount)
        let m = queries.rows, d = featureCount, n = training.rowCount
        let keep = min(n, k + Self.extraCandidates)
        var result = Neighbors(indices: [], distances: [])
        result.indices.reserveCapacity(m)
        result.distances.reserveCapacity(m)
        var queryStart = 0
        while queryStart < m {
            let bq = min(Self.queryBlock, m - queryStart)
            var q = Array(queries.values[(queryStart * d)..<((queryStart + bq) * d)])
            var queryNorms = [Double](repeating: 0, count: bq)
            for r in 0..<bq { var s = 0.0; for j in 0..<d { s += Double(q[r * d + j]) * Double(q[r * d + j]) }; queryNorms[r] = s }
            if metric == .cosine {
                for r in 0..<bq where queryNorms[r] > 0 {
                    let inv = Float(1 / queryNorms[r].squareRoot())
                    for j in 0..<d { q[r * d + j] *= inv }
                }
            }
            // Per query, the best `keep` candidates so far as (approximate distance, index), kept sorted.
            var candidates = [[(Float, Int)]](repeating: [], count: bq)
            var products = [Float](repeating: 0, count: bq * Self.trainingBlock)
            var trainStart = 0
            while trainStart < n {
                let range = trainStart..<min(n, trainStart + Self.trainingBlock)
                let bt = range.count
                // The training rows are used in place (no copy); for cosine the queries are unit rows
                // and each product is divided by ‖x‖ afterwards.
                training.withRows(range) { xb in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(bq), Int32(bt), Int32(d),
                                1, q, Int32(d), xb.baseAddress, Int32(d), 0, &products, Int32(bt))
                }
                var trainingTerm = [Float](repeating: 0, count: bt)
                for c in 0..<bt {
                    let norm2 = squaredNorms[range.lowerBound + c]
                    trainingTerm[c] = metric == .euclidean ? Float(norm2) : (norm2 > 0 ? Float(1 / norm2.squareRoot()) : 0)
                }
                for r in 0..<bq {
                    let queryTerm = Float(queryNorms[r])
                    let queryIsZero = queryNorms[r] == 0
                    for c in 0..<bt {
                        let dist: Float
                        if metric == .euclidean {
                            dist = queryTerm + trainingTerm[c] - 2 * products[r * bt + c]
                        } else {
                            dist = 1 - (queryIsZero ? 0 : products[r * bt + c] * trainingTerm[c])
                        }
                        insertCandidate(&candidates[r], (dist, range.lowerBound + c), keep: keep)
                    }
                }
                trainStart = range.upperBound
            }
            for r in 0..<bq {
                let query = Array(queries.values[((queryStart + r) * d)..<((queryStart + r + 1) * d)])
                var exact = candidates[r].map { ($0.1, exactDistance(query, queryNorm: queryNorms[r], row: $0.1)) }
                exact.sort { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
                result.indices.append(exact.prefix(k).map { $0.0 })
                result.distances.append(exact.prefix(k).map { $0.1 })
            }
            queryStart += bq
        }
        return result
    }

    /// Distance between a query and training row `row` in float64.
    func exactDistance(_ query: [Float], queryNorm: Double, row: Int) -> Double {
        let d = featureCount
        return training.withRows(row..<(row + 1)) { x in
            if metric == .euclidean {
                var s = 0.0
                for j in 0..<d { let e = Double(query[j]) - Double(x[j]); s += e * e }
                return s.squareRoot()
            }
            var dotProduct = 0.0
            for j in 0..<d { dotProduct += Double(query[j]) * Double(x[j]) }
            let norms = queryNorm.squareRoot() * squaredNorms[row].squareRoot()
            return norms > 0 ? 1 - dotProduct / norms : 1
        }
    }

    /// Vote shares of the k neighbours: [m, classes.count].
    public func predictProbabilities(_ x: Matrix) throws -> Matrix {
        let neighbors = try kneighbors(x)
        var classIndex = [Int: Int]()
        for (i, c) in classes.enumerated() { classIndex[c] = i }
        let kc = classes.count
        var p = Matrix(rows: x.rows, cols: kc)
        for r in 0..<x.rows {
            var votes = [Double](repeating: 0, count: kc)
            let dist = neighbors.distances[r]
            let exactHit = weights == .distance && dist.contains(0)
            for (j, index) in neighbors.indices[r].enumerated() {
                let w: Double
                switch weights {
                case .uniform: w = 1
                case .distance: w = exactHit ? (dist[j] == 0 ? 1 : 0) : 1 / dist[j]
                }
                votes[classIndex[labels[index]]!] += w
            }
            let total = votes.reduce(0, +)
            for c in 0..<kc { p.values[r * kc + c] = Float(votes[c] / total) }
        }
        return p
    }

    /// The class with most (weighted) votes; the lowest label wins a tie, as in scikit-learn.
    public func predict(_ x: Matrix) throws -> [Int] {
        let neighbors = try kneighbors(x)
        var classIndex = [Int: Int]()
        for (i, c) in classes.enumerated() { classIndex[c] = i }
        return (0..<x.rows).map { r in
            var votes = [Double](repeating: 0, count: classes.count)
            let dist = neighbors.distances[r]
            let exactHit = weights == .distance && dist.contains(0)
            for (j, index) in neighbors.indices[r].enumerated() {
                let w: Double = weights == .uniform ? 1 : (exactHit ? (dist[j] == 0 ? 1 : 0) : 1 / dist[j])
                votes[classIndex[labels[index]]!] += w
            }
            var best = 0
            for c in 1..<votes.count where votes[c] > votes[best] { best = c }
            return classes[best]
        }
    }
}

/// Inserts into an ascending list of at most `keep` (distance, index) pairs; equal distances keep
/// index order because candidates arrive in ascending index order and go after their equals.
@inline(__always) func insertCandidate(_ list: inout [(Float, Int)], _ item: (Float, Int), keep: Int) {
    if list.count == keep, item.0 >= list[keep - 1].0 { return }
    var position = list.count
    while position > 0 && list[position - 1].0 > item.0 { position -= 1 }
    if list.count == keep { list.removeLast() }
    list.insert(item, at: position)
}
