// Exact k-nearest neighbours by cosine similarity among all rows of a store, and every pair above a
// similarity threshold, without an n × n matrix.
//
// Math: rows are unit vectors (UnitRows), so similarity(i, j) = x_i · x_j. The rows are cut into
// blocks of `blockRows`; for each block pair (I, J) with I ≤ J one sgemm forms
// S = X_I · X_Jᵀ ([bI, bJ], row-major), and S serves both sides: row r of S offers candidates to row
// i = I₀ + r, column c offers candidates to row j = J₀ + c. Only block pairs with I ≤ J are formed,
// so the GEMM work is n² d multiply-adds (half of a full product), and the memory is one S block
// per thread plus the top-k lists: O(threads · blockRows² + n · k), never n².
//
// Selection is partial, not a sort: each row keeps its k best candidates in k slots and the value of
// the worst kept one (its floor). S is scanned sixteen values at a time and compared with the row's
// floor, the sixteen column rows' floors and the pair threshold; a chunk that beats none of them
// costs one vector compare, which is the common case once the lists fill.
//
// Threads: each thread takes block pairs from a shared counter, runs its own single-threaded sgemm
// and keeps its own top-k lists for all rows (so no locks); the lists are merged at the end. The
// result does not depend on the thread count, except for which of several exactly equal
// similarities fill the last slot (the merge orders equal similarities by the lower row index).
// Similarities are float32 GEMM values: within about d · 2⁻²⁴ of the exact dot product.
import COpenBLAS
import Foundation
import ProbeCore
import ProbeTensor

/// Each row's k most similar other rows, most similar first.
public struct NeighborLists: Sendable {
    /// Slots per row: min(k, rowCount − 1).
    public let k: Int
    public let rowCount: Int
    /// `[rowCount * k]` row indices, best first.
    public let indices: [Int32]
    /// `[rowCount * k]` cosine similarities, aligned with `indices`.
    public let similarities: [Float]

    public func neighbors(of row: Int) -> [(index: Int, similarity: Float)] {
        (0..<k).map { (Int(indices[row * k + $0]), similarities[row * k + $0]) }
    }
}

/// Two rows (first < second) and their cosine similarity.
public struct SimilarPair: Hashable, Sendable {
    public let first: Int
    public let second: Int
    public let similarity: Float

    public init(first: Int, second: Int, similarity: Float) {
        self.first = min(first, second)
        self.second = max(first, second)
        self.similarity = similarity
    }
}

public struct NeighborSearchResult: Sendable {
    public let lists: NeighborLists
    /// Every pair with similarity ≥ the threshold, most similar first (ties: lower rows first),
    /// at most `maxPairs` of them.
    public let pairs: [SimilarPair]
    /// True when more pairs cleared the threshold than `maxPairs`: `pairs` holds the most similar ones.
    public let pairsTruncated: Bool
}

public enum CosineNeighbors {
    /// Rows per block: one block product is `blockRows²` floats (4 MB) per thread.
    public static let blockRows = 1024

    /// The k nearest neighbours of every row (cosine similarity, the row itself excluded) and all
    /// pairs with similarity ≥ `pairThreshold` (at most `maxPairs`, the most similar kept).
    public static func search(_ rows: UnitRows, k requestedK: Int, pairThreshold: Float = .infinity,
                              maxPairs: Int = 1_000_000, threads requestedThreads: Int = ComputeThreads.count) -> NeighborSearchResult {
        let n = rows.rowCount, d = rows.dim
        let k = max(0, min(requestedK, n - 1))
        guard k > 0 else {
            return NeighborSearchResult(lists: NeighborLists(k: 0, rowCount: n, indices: [], similarities: []), pairs: [], pairsTruncated: false)
        }
        let blocks = (n + blockRows - 1) / blockRows
        var tasks: [(Int, Int)] = []
        for i in 0..<blocks { for j in i..<blocks { tasks.append((i, j)) } }
        let threads = max(1, min(requestedThreads, tasks.count))
        var states = (0..<threads).map { _ in TopKLists(rows: n, k: k) }
        var sinks = (0..<threads).map { _ in PairSink(threshold: pairThreshold, capacity: maxPairs) }
        let counter = TaskCounter()
        rows.values.withUnsafeBufferPointer { all in
            let x = all.baseAddress!
            states.withUnsafeMutableBufferPointer { stateBuffer in
                sinks.withUnsafeMutableBufferPointer { sinkBuffer in
                    let stateSlots = stateBuffer, sinkSlots = sinkBuffer
                    let work = {
                        parallelFor(threads: threads) { slot in
                            let product = UnsafeMutablePointer<Float>.allocate(capacity: min(n, blockRows) * min(n, blockRows))
                            defer { product.deallocate() }
                            while let t = counter.next(below: tasks.count) {
                                let (bi, bj) = tasks[t]
                                let i0 = bi * blockRows, j0 = bj * blockRows
                                let rowsI = min(blockRows, n - i0), rowsJ = min(blockRows, n - j0)
                                // S = X_I · X_Jᵀ: [rowsI, d] times [rowsJ, d]ᵀ, row-major.
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rowsI), Int32(rowsJ), Int32(d),
                                            1, x + i0 * d, Int32(d), x + j0 * d, Int32(d), 0, product, Int32(rowsJ))
                                scan(product, rowsI: rowsI, rowsJ: rowsJ, i0: i0, j0: j0, diagonal: bi == bj,
                                     lists: &stateSlots[slot], pairs: &sinkSlots[slot])
                            }
                        }
                    }
                    if threads > 1 { withSingleThreadedBLAS(work) } else { work() }
                }
            }
        }
        let lists = merge(states, rows: n, k: k)
        for state in states { state.deallocate() }
        var pairs = sinks.flatMap { $0.pairs }
        let truncated = sinks.contains { $0.overflowed } || pairs.count > maxPairs
        pairs.sort(by: pairOrder)
        if pairs.count > maxPairs { pairs.removeLast(pairs.count - maxPairs) }
        return NeighborSearchResult(lists: lists, pairs: pairs, pairsTruncated: truncated)
    }

    /// The naive reference: every pair's similarity in float64, each row's others fully sorted.
    /// O(n² d) time and O(n²) pairs: for tests on small inputs.
    public static func bruteForce(_ rows: UnitRows, k requestedK: Int, pairThreshold: Float = .infinity) -> NeighborSearchResult {
        let n = rows.rowCount
        let k = max(0, min(requestedK, n - 1))
        var indices = [Int32](), similarities = [Float]()
        var pairs: [SimilarPair] = []
        var all = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) {
            let s = rows.similarity(i, j)
            all[i][j] = s; all[j][i] = s
            if Float(s) >= pairThreshold { pairs.append(SimilarPair(first: i, second: j, similarity: Float(s))) }
        } }
        for i in 0..<n {
            let ranked = (0..<n).filter { $0 != i }.sorted { all[i][$0] > all[i][$1] || (all[i][$0] == all[i][$1] && $0 < $1) }
            for j in ranked.prefix(k) { indices.append(Int32(j)); similarities.append(Float(all[i][j])) }
        }
        pairs.sort(by: pairOrder)
        return NeighborSearchResult(lists: NeighborLists(k: k, rowCount: n, indices: indices, similarities: similarities),
                                    pairs: pairs, pairsTruncated: false)
    }

    static func pairOrder(_ a: SimilarPair, _ b: SimilarPair) -> Bool {
        if a.similarity != b.similarity { return a.similarity > b.similarity }
        return a.first != b.first ? a.first < b.first : a.second < b.second
    }

    /// Offers every entry of one block product to both rows it belongs to and to the pair sink.
    /// On a diagonal block only the entries above the diagonal (c > r) are pairs of distinct rows.
    static func scan(_ s: UnsafePointer<Float>, rowsI: Int, rowsJ: Int, i0: Int, j0: Int, diagonal: Bool,
                     lists: inout TopKLists, pairs: inout PairSink) {
        let threshold = pairs.effectiveThreshold
        let thresholdVector = SIMD16<Float>(repeating: threshold)
        let floors = lists.floor
        for r in 0..<rowsI {
            let i = i0 + r
            let row = s + r * rowsJ
            var c = diagonal ? r + 1 : 0
            @inline(__always) func offer(_ c: Int) {
                let v = row[c], j = j0 + c
                if v > floors[i] { lists.insert(row: i, similarity: v, index: j) }
                if v > floors[j] { lists.insert(row: j, similarity: v, index: i) }
                if v >= threshold { pairs.append(i, j, v) }
            }
            while c + 16 <= rowsJ {
                let v = UnsafeRawPointer(row + c).loadUnaligned(as: SIMD16<Float>.self)
                let columnFloors = UnsafeRawPointer(floors + j0 + c).loadUnaligned(as: SIMD16<Float>.self)
                let hit = (v .> columnFloors) .| (v .> SIMD16<Float>(repeating: floors[i])) .| (v .>= thresholdVector)
                if any(hit) {
                    for lane in 0..<16 where hit[lane] { offer(c + lane) }
                }
                c += 16
            }
            while c < rowsJ { offer(c); c += 1 }
        }
    }

    /// Combines the per-thread lists: per row the k best of all threads' candidates, best first,
    /// equal similarities by the lower row index.
    static func merge(_ states: [TopKLists], rows n: Int, k: Int) -> NeighborLists {
        var indices = [Int32](repeating: -1, count: n * k)
        var similarities = [Float](repeating: -.infinity, count: n * k)
        var candidates: [(Float, Int32)] = []
        candidates.reserveCapacity(k * states.count)
        for r in 0..<n {
            candidates.removeAll(keepingCapacity: true)
            for state in states {
                for t in 0..<k where state.indices[r * k + t] >= 0 {
                    candidates.append((state.similarities[r * k + t], state.indices[r * k + t]))
                }
            }
            candidates.sort { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
            for (t, candidate) in candidates.prefix(k).enumerated() {
                similarities[r * k + t] = candidate.0
                indices[r * k + t] = candidate.1
            }
        }
        return NeighborLists(k: k, rowCount: n, indices: indices, similarities: similarities)
    }
}

/// One thread's k best candidates for every row, unordered, with the worst kept value per row.
struct TopKLists {
    let k: Int
    let similarities: UnsafeMutablePointer<Float>
    let indices: UnsafeMutablePointer<Int32>
    /// The smallest similarity kept for each row; −∞ while the row has a free slot.
    let floor: UnsafeMutablePointer<Float>
    /// Which slot holds that smallest value.
    let floorSlot: UnsafeMutablePointer<Int32>

    init(rows: Int, k: Int) {
        self.k = k
        similarities = .allocate(capacity: rows * k); similarities.initialize(repeating: -.infinity, count: rows * k)
        indices = .allocate(capacity: rows * k); indices.initialize(repeating: -1, count: rows * k)
        floor = .allocate(capacity: rows); floor.initialize(repeating: -.infinity, count: rows)
        floorSlot = .allocate(capacity: rows); floorSlot.initialize(repeating: 0, count: rows)
    }

    /// Replaces the row's worst kept candidate (caller checked `similarity > floor[row]`).
    @inline(__always)
    func insert(row: Int, similarity: Float, index: Int) {
        let base = row * k
        let slot = Int(floorSlot[row])
        similarities[base + slot] = similarity
        indices[base + slot] = Int32(index)
        var worst = similarities[base], worstSlot = 0
        for t in 1..<k where similarities[base + t] < worst { worst = similarities[base + t]; worstSlot = t }
        floor[row] = worst
        floorSlot[row] = Int32(worstSlot)
    }

    func deallocate() {
        similarities.deallocate(); indices.deallocate(); floor.deallocate(); floorSlot.deallocate()
    }
}

/// Pairs above the threshold found by one thread, up to a cap.
struct PairSink {
    let threshold: Float
    let capacity: Int
    var pairs: [SimilarPair] = []
    var overflowed = false

    init(threshold: Float, capacity: Int) {
        self.threshold = threshold
        self.capacity = capacity
    }

    /// Once over the cap, the similarity a new pair must beat (the weakest one kept): raising the bar
    /// keeps a store of identical rows from re-sorting the list for each of its n²/2 pairs.
    var bar: Float = -.infinity

    /// The smallest similarity `append` can still take.
    var effectiveThreshold: Float { overflowed ? max(threshold, bar.nextUp) : threshold }

    @inline(__always)
    mutating func append(_ a: Int, _ b: Int, _ similarity: Float) {
        if overflowed && similarity <= bar { return }
        // Past the cap, keep the most similar: drop the weakest half when full.
        if pairs.count >= 2 * max(1, capacity) {
            overflowed = true
            pairs.sort(by: CosineNeighbors.pairOrder)
            pairs.removeLast(pairs.count - capacity)
            bar = pairs.last!.similarity
            if similarity <= bar { return }
        }
        pairs.append(SimilarPair(first: a, second: b, similarity: similarity))
    }
}

/// Hands out task numbers 0, 1, 2, … to the threads.
final class TaskCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var nextTask = 0

    func next(below count: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard nextTask < count else { return nil }
        nextTask += 1
        return nextTask - 1
    }
}

extension CosineNeighbors {
    /// Every (query row, reference row) pair of two different row sets with cosine similarity
    /// ≥ `threshold` (`first` = query row, `second` = reference row, not reordered), most similar
    /// first; at most `maxPairs`. Blocked like `search` (S = Q_I · R_Jᵀ per block pair), each thread
    /// owning whole query blocks.
    public static func crossPairs(queries: UnitRows, reference: UnitRows, threshold: Float, maxPairs: Int = 1_000_000,
                                  threads requestedThreads: Int = ComputeThreads.count) -> [(query: Int, reference: Int, similarity: Float)] {
        precondition(queries.dim == reference.dim, "crossPairs: dimensions differ")
        let m = queries.rowCount, n = reference.rowCount, d = queries.dim
        guard m > 0, n > 0 else { return [] }
        let queryBlocks = (m + blockRows - 1) / blockRows
        let threads = max(1, min(requestedThreads, queryBlocks))
        var found = [[(query: Int, reference: Int, similarity: Float)]](repeating: [], count: threads)
        let counter = TaskCounter()
        queries.values.withUnsafeBufferPointer { qAll in
            reference.values.withUnsafeBufferPointer { rAll in
                found.withUnsafeMutableBufferPointer { outBuffer in
                    let out = outBuffer
                    let work = {
                        parallelFor(threads: threads) { slot in
                            let product = UnsafeMutablePointer<Float>.allocate(capacity: min(m, blockRows) * min(n, blockRows))
                            defer { product.deallocate() }
                            while let bi = counter.next(below: queryBlocks) {
                                let i0 = bi * blockRows, rowsI = min(blockRows, m - i0)
                                var j0 = 0
                                while j0 < n {
                                    let rowsJ = min(blockRows, n - j0)
                                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rowsI), Int32(rowsJ), Int32(d),
                                                1, qAll.baseAddress! + i0 * d, Int32(d), rAll.baseAddress! + j0 * d, Int32(d), 0, product, Int32(rowsJ))
                                    for r in 0..<rowsI { for c in 0..<rowsJ where product[r * rowsJ + c] >= threshold {
                                        if out[slot].count < maxPairs { out[slot].append((i0 + r, j0 + c, product[r * rowsJ + c])) }
                                    } }
                                    j0 += rowsJ
                                }
                            }
                        }
                    }
                    if threads > 1 { withSingleThreadedBLAS(work) } else { work() }
                }
            }
        }
        var pairs = found.flatMap { $0 }
        pairs.sort { $0.similarity != $1.similarity ? $0.similarity > $1.similarity : ($0.query, $0.reference) < ($1.query, $1.reference) }
        return Array(pairs.prefix(maxPairs))
    }
}
