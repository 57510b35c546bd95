// k-nearest-neighbour classification by brute force, scikit-learn's `KNeighborsClassifier(algorithm="brute")`.
//
// Euclidean: ‖q − x‖² = ‖q‖² + ‖x‖² − 2 q·x, the cross term for a block of queries against a block of
// training rows as one sgemm (Q [bq, d] · Xᵀ → [bq, bt]); ‖q‖² is the same for every candidate of a
// query, so ranking uses ‖x‖² − 2 q·x (‖x‖² computed once at fit). Cosine: 1 − q̂·x / ‖x‖ with unit
// queries q̂ (a zero row has distance 1 to everything, as after scikit-learn's `normalize`).
// The GEMM distances are float32 and can misorder near-equal neighbours, so each query keeps its best
// k + 16 candidates, and those within a worst-case float32 error bound of the k-th are re-ranked by
// distances recomputed in float64, ties broken by the lower training index (a stable sort, as
// scikit-learn's brute force does).
// Memory is bounded by the block sizes (per thread 512 queries × 2048 training rows of products): the
// training rows are read `trainingBlock` at a time through `FeatureRows` and used in place, so a
// memory-mapped store is never copied.
import Foundation
import ProbeCore
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
    /// Per training row, the float32 term the GEMM product is combined with: ‖x‖² (Euclidean) or
    /// −1/‖x‖ (cosine; 0 for a zero row), computed once here rather than per query block.
    let approximationTerms: [Float]
    /// The largest training-row norm, for the bound on the float32 distances' error.
    let largestNorm: Double

    init(training: Rows, labels: [Int], classes: [Int], squaredNorms: [Double], k: Int, metric: NeighborMetric, weights: NeighborWeights) {
        self.training = training
        self.labels = labels
        self.classes = classes
        self.squaredNorms = squaredNorms
        self.k = k
        self.metric = metric
        self.weights = weights
        approximationTerms = squaredNorms.map { norm2 in
            metric == .euclidean ? Float(norm2) : (norm2 > 0 ? -Float(1 / norm2.squareRoot()) : 0)
        }
        largestNorm = (squaredNorms.max() ?? 0).squareRoot()
    }

    static var trainingBlock: Int { 2048 }
    static var queryBlock: Int { 512 }
    static var extraCandidates: Int { 16 }
    /// Fewer queries than this per thread are not worth a thread of their own.
    static var queriesPerThread: Int { 64 }

    public var featureCount: Int { training.featureCount }

    /// The k nearest training rows of each row of `queries` [m, d].
    ///
    /// The queries are split into one contiguous share per thread (`ComputeThreads.count`); each
    /// thread runs its own single-threaded sgemm per block, so the candidate selection of one thread
    /// overlaps the other's GEMM. Results do not depend on the number of threads.
    public func kneighbors(_ queries: Matrix) throws -> Neighbors {
        try validateQuery(queries, featureCount: featureCount)
        let m = queries.rows
        var indices = [[Int]](repeating: [], count: m)
        var distances = [[Double]](repeating: [], count: m)
        let threads = max(1, min(ComputeThreads.count, m / Self.queriesPerThread))
        indices.withUnsafeMutableBufferPointer { indexBuffer in
            distances.withUnsafeMutableBufferPointer { distanceBuffer in
                let indexOut = indexBuffer, distanceOut = distanceBuffer
                let search = {
                    parallelFor(threads: threads) { slot in
                        let share = sliceRange(m, part: slot, of: threads)
                        // Sized to the work (a few queries against a small training set need far less
                        // than a full block, and fresh pages cost time to fault in).
                        var scratch = NeighborSearchScratch(queryBlock: min(Self.queryBlock, share.count),
                                                            trainingBlock: min(Self.trainingBlock, training.rowCount),
                                                            features: featureCount, keep: min(training.rowCount, k + Self.extraCandidates))
                        defer { scratch.deallocate() }
                        var start = share.lowerBound
                        while start < share.upperBound {
                            let block = start..<min(share.upperBound, start + Self.queryBlock)
                            searchBlock(queries, block, &scratch, indexOut, distanceOut)
                            start = block.upperBound
                        }
                    }
                }
                // One thread of ours lets OpenBLAS use its own pool; several each run sgemm alone.
                if threads > 1 { withSingleThreadedBLAS(search) } else { search() }
            }
        }
        return Neighbors(indices: indices, distances: distances)
    }

    /// Nearest neighbours of the queries in `block`, written at their row indices.
    ///
    /// Per query, a sorted list of the best `keep` candidates by the float32 distance (without the
    /// query's own constant term) is kept; a candidate is tested against the current worst kept
    /// one sixteen at a time, so most training rows cost one vector compare. Then the candidates
    /// whose float32 distance is within twice its error bound of the k-th are re-ranked exactly.
    private func searchBlock(_ queries: Matrix, _ block: Range<Int>, _ scratch: inout NeighborSearchScratch,
                             _ indexOut: UnsafeMutableBufferPointer<[Int]>, _ distanceOut: UnsafeMutableBufferPointer<[Double]>) {
        let d = featureCount, n = training.rowCount, bq = block.count, keep = scratch.keep
        let euclidean = metric == .euclidean
        queries.values.withUnsafeBufferPointer { allQueries in
            let q = allQueries.baseAddress! + block.lowerBound * d
            for r in 0..<bq {
                var s = 0.0
                for j in 0..<d { s += Double(q[r * d + j]) * Double(q[r * d + j]) }
                scratch.queryNorms[r] = s.squareRoot()
            }
            // Cosine: unit queries (a zero query stays zero: distance 1 to everything).
            let left: UnsafePointer<Float>
            if euclidean {
                left = q
            } else {
                for r in 0..<bq {
                    let inverse = scratch.queryNorms[r] > 0 ? Float(1 / scratch.queryNorms[r]) : 0
                    for j in 0..<d { scratch.unitQueries[r * d + j] = q[r * d + j] * inverse }
                }
                left = UnsafePointer(scratch.unitQueries.baseAddress!)
            }
            for r in 0..<bq { scratch.counts[r] = 0 }
            approximationTerms.withUnsafeBufferPointer { terms in
                var trainStart = 0
                while trainStart < n {
                    let range = trainStart..<min(n, trainStart + Self.trainingBlock)
                    let bt = range.count
                    let products = scratch.products.baseAddress!
                    training.withRows(range) { xb in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(bq), Int32(bt), Int32(d),
                                    1, left, Int32(d), xb.baseAddress, Int32(d), 0, products, Int32(bt))
                    }
                    let term = terms.baseAddress! + range.lowerBound
                    for r in 0..<bq {
                        var list = CandidateList(distances: scratch.candidateDistances.baseAddress! + r * keep,
                                                 indices: scratch.candidateIndices.baseAddress! + r * keep,
                                                 count: scratch.counts[r], keep: keep)
                        let row = products + r * bt
                        if euclidean {
                            // ‖x‖² − 2 q·x: the squared distance less ‖q‖², which orders candidates alike.
                            selectCandidates(&list, row: row, term: term, count: bt, firstIndex: range.lowerBound) { p, t in t - 2 * p }
                        } else {
                            // −q̂·x / ‖x‖: the cosine distance less 1.
                            selectCandidates(&list, row: row, term: term, count: bt, firstIndex: range.lowerBound) { p, t in p * t }
                        }
                        scratch.counts[r] = list.count
                    }
                    trainStart = range.upperBound
                }
            }
            for r in 0..<bq {
                let list = CandidateList(distances: scratch.candidateDistances.baseAddress! + r * keep,
                                         indices: scratch.candidateIndices.baseAddress! + r * keep,
                                         count: scratch.counts[r], keep: keep)
                // |float32 − exact| ≤ error for every candidate, so a row more than 2·error above the
                // k-th cannot be among the k nearest. Worst-case bounds (γ_d for a d-term dot product).
                let u = Double(Float.ulpOfOne) / 2
                let error = euclidean
                    ? 2 * u * largestNorm * largestNorm + 2 * Double(d + 2) * u * scratch.queryNorms[r] * largestNorm
                    : Double(d + 8) * u
                let cutoff = Double(list.distances[k - 1]) + 2.5 * error
                var considered = k
                while considered < list.count && Double(list.distances[considered]) <= cutoff { considered += 1 }
                var exact = (0..<considered).map { j -> (Int, Double) in
                    let index = list.indices[j]
                    return (index, exactDistance(q + r * d, queryNorm: scratch.queryNorms[r], row: index))
                }
                exact.sort { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
                indexOut[block.lowerBound + r] = exact.prefix(k).map { $0.0 }
                distanceOut[block.lowerBound + r] = exact.prefix(k).map { $0.1 }
            }
        }
    }

    /// Distance between a query (d floats) and training row `row` in float64; `queryNorm` is ‖q‖.
    func exactDistance(_ query: UnsafePointer<Float>, queryNorm: Double, row: Int) -> Double {
        let d = featureCount
        return training.withRows(row..<(row + 1)) { x in
            if metric == .euclidean {
                var s = 0.0
                for j in 0..<d { let e = Double(query[j]) - Double(x[j]); s += e * e }
                return s.squareRoot()
            }
            var dotProduct = 0.0
            for j in 0..<d { dotProduct += Double(query[j]) * Double(x[j]) }
            let norms = queryNorm * squaredNorms[row].squareRoot()
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

/// One thread's buffers for `searchBlock`, allocated once per `kneighbors` call.
struct NeighborSearchScratch {
    let keep: Int
    var products: UnsafeMutableBufferPointer<Float>
    var unitQueries: UnsafeMutableBufferPointer<Float>
    var queryNorms: [Double]
    var candidateDistances: UnsafeMutableBufferPointer<Float>
    var candidateIndices: UnsafeMutableBufferPointer<Int>
    var counts: [Int]

    init(queryBlock: Int, trainingBlock: Int, features: Int, keep: Int) {
        self.keep = keep
        products = .allocate(capacity: queryBlock * trainingBlock)
        unitQueries = .allocate(capacity: queryBlock * features)
        queryNorms = [Double](repeating: 0, count: queryBlock)
        candidateDistances = .allocate(capacity: queryBlock * keep)
        candidateIndices = .allocate(capacity: queryBlock * keep)
        counts = [Int](repeating: 0, count: queryBlock)
    }

    func deallocate() {
        products.deallocate(); unitQueries.deallocate(); candidateDistances.deallocate(); candidateIndices.deallocate()
    }
}

/// An ascending list of at most `keep` (float32 distance, training index) pairs in caller memory.
struct CandidateList {
    let distances: UnsafeMutablePointer<Float>
    let indices: UnsafeMutablePointer<Int>
    var count: Int
    let keep: Int

    /// Distances at or above this cannot enter the list.
    @inline(__always) var threshold: Float { count == keep ? distances[keep - 1] : .infinity }

    /// Inserts after its equals: candidates arrive in ascending index order, so equal distances keep
    /// index order (a stable sort, as scikit-learn's brute force).
    @inline(__always) mutating func insert(_ distance: Float, _ index: Int) {
        if count == keep && distance >= distances[keep - 1] { return }
        var position = count == keep ? keep - 1 : count
        while position > 0 && distances[position - 1] > distance {
            distances[position] = distances[position - 1]
            indices[position] = indices[position - 1]
            position -= 1
        }
        distances[position] = distance
        indices[position] = index
        if count < keep { count += 1 }
    }
}

/// Offers `count` candidates to `list`: candidate c has distance `combine(row[c], term[c])` and index
/// `firstIndex + c`. Once the list is full almost every candidate fails the threshold test, so the
/// loop is one multiply, one add and one compare per training row.
@inline(__always) func selectCandidates(_ list: inout CandidateList, row: UnsafePointer<Float>, term: UnsafePointer<Float>,
                                        count: Int, firstIndex: Int, _ combine: (Float, Float) -> Float) {
    var threshold = list.threshold
    for c in 0..<count {
        let v = combine(row[c], term[c])
        if v < threshold {
            list.insert(v, firstIndex + c)
            threshold = list.threshold
        }
    }
}
