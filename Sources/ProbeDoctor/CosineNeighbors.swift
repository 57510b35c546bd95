// Exact k-nearest neighbours by cosine similarity among all rows of a store, and every pair above a
// similarity threshold, without an n × n matrix: a cheap int8 pass picks candidates that provably
// contain the answer, and a float32 pass ranks them exactly.
//
// Math: rows are unit vectors (UnitRows), so similarity(i, j) = u_i · u_j, and the value reported
// for every pair is UnitRows.dot (float32, one fixed order). QuantizedRows stores each row as int8
// codes and a scale, approx(i, j) = s_i s_j (q_i · q_j), and proves |approx − similarity| ≤ δ for
// every pair (its header). Two consequences make the candidate pass exact:
//   • top-k: if a_(k) is row i's k-th largest approx, every one of its k most similar rows has
//     approx ≥ a_(k) − 2δ (its similarity is ≥ the k-th largest similarity e_(k), and e_(k) ≥ a_(k) − δ
//     because k rows have approx ≥ a_(k)); rows tied with the k-th similarity are kept too.
//   • pairs: similarity ≥ t implies approx ≥ t − δ; when at most m pairs are to be kept, the m + 1
//     most similar have approx ≥ b − 2δ, b the (m + 1)-th largest approx (the same argument).
// So stage 1 keeps, per row, every j with approx ≥ (k-th best approx so far) − 2δ, and every pair
// with approx ≥ t − δ. Stage 2 first computes the exact similarity of the row's k best-approx
// candidates: their smallest, L, is a lower bound of the k-th largest similarity, so only candidates
// with approx ≥ L − δ (half the window, as L ≥ a_(k) − δ) need UnitRows.dot; then it selects exactly
// (ties: the lower row index first). The answer is therefore the brute-force answer bit for bit,
// whatever the kernel (AVX-512 VNNI, AVX-VNNI, AVX2, scalar), the thread count or the BLAS.
//
// Stage 1: the rows are cut into blocks of `candidateBlockRows`; for each block pair (I, J) with
// I ≤ J one int8 product (CInt8Dot) forms Q_I · Q_Jᵀ in int32, and each entry serves both rows it
// belongs to (row r offers j = J₀ + c to i = I₀ + r, column c offers i to j): n²/2 · d multiply-adds
// in int8, four times the float32 rate of the same registers.
// Each thread takes block pairs from a shared counter; the per-row state is shared, and the rows of
// block b are changed only under lock b (a thread offers to the rows of I, then to those of J,
// never holding two locks). Per row: the k best approx values (for the running k-th) and a buffer of
// `candidateSlots` candidates; a full buffer evicts its lower half and raises the row's floor above
// it. A row whose buffer evicted a value stage 2 needs (≥ L − δ: the outliers, whose nearest rows
// are all about equally far, and identical rows) is ranked from a second int8 pass of that row
// against every row, with its floor known (`fallbackRows`). Pairs past a cap that cannot be
// narrowed (all within 2δ) come from a dense exact pass (`pairFallback`).
//
// Memory: the int8 copy (n · d bytes, beside the n · d · 4 of UnitRows), the candidate buffers
// n · candidateSlots · 8 bytes, one int32 block product per thread (1 MB), the pair candidates.
// Time: n²/2 · d int8 multiply-adds, plus float32 dot products for the candidates (about n · 60 at
// 100k synthetic rows) and n · d int8 per fallback row.
import COpenBLAS
import Dispatch
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
    /// How the search went (absent from `bruteForce`).
    public internal(set) var stats: NeighborSearchStats? = nil
}

/// Where the search's time went and how often the int8 pass had to give way.
public struct NeighborSearchStats: Sendable {
    public let kernel: Int8Kernel
    /// δ: the proven bound on |int8 approximation − float32 similarity|.
    public let bound: Float
    public let quantizeSeconds: Double
    /// The int8 products and the candidate buffers (stage 1).
    public let candidateSeconds: Double
    /// The exact float32 similarities of the candidates and the selection (stage 2), fallbacks included.
    public let rerankSeconds: Double
    /// Exact similarities computed for the lists (summed over rows, fallback rows included), and the
    /// most for one row outside the fallback. Which rows fall back, and so these counts, can differ
    /// between runs with several threads (the buffers see offers in another order); the answer cannot.
    public let candidates: Int
    public let maxCandidatesPerRow: Int
    /// Rows whose candidate buffer overflowed, ranked by a dense exact pass.
    public let fallbackRows: Int
    /// Pair candidates re-ranked.
    public let pairCandidates: Int
    /// True when the pair candidates overflowed and the pairs came from a dense exact pass.
    public let pairFallback: Bool
}

public enum CosineNeighbors {
    /// Rows per block of the sgemm in `crossPairs`: one block product is `blockRows²` floats (4 MB) per thread.
    public static let blockRows = 1024
    /// Rows per block of the int8 candidate pass: a 512 × d int8 block (640 KB at d = 1280) stays in
    /// a core's L2 while its partner block streams past; the product is 1 MB of int32.
    public static let candidateBlockRows = 512

    /// The k nearest neighbours of every row (cosine similarity, the row itself excluded; ties: the
    /// lower row first) and all pairs with similarity ≥ `pairThreshold` (at most `maxPairs`, the
    /// most similar kept). Equal to `bruteForce` bit for bit. `kernel` picks the int8 instruction
    /// set (the fastest this CPU runs, when absent or unsupported); `candidateSlots` is the size of
    /// each row's candidate buffer (8 bytes a slot: more memory, fewer fallback rows).
    public static func search(_ rows: UnitRows, k requestedK: Int, pairThreshold: Float = .infinity,
                              maxPairs: Int = 1_000_000, threads requestedThreads: Int = ComputeThreads.count,
                              kernel requestedKernel: Int8Kernel? = nil, candidateSlots: Int = 256) -> NeighborSearchResult {
        let n = rows.rowCount
        let k = max(0, min(requestedK, n - 1))
        let wantPairs = pairThreshold.isFinite && maxPairs > 0
        guard k > 0 || (wantPairs && n > 1) else {
            return NeighborSearchResult(lists: NeighborLists(k: k, rowCount: n, indices: [], similarities: []), pairs: [], pairsTruncated: false)
        }
        let kernel = requestedKernel.flatMap { $0.isSupported ? $0 : nil } ?? .best
        var clock = DispatchTime.now().uptimeNanoseconds
        func lap() -> Double {
            let now = DispatchTime.now().uptimeNanoseconds
            defer { clock = now }
            return Double(now - clock) / 1e9
        }
        let quantized = QuantizedRows(rows, threads: requestedThreads)
        let quantizeSeconds = lap()
        let delta = quantized.bound
        let blockRows = candidateBlockRows
        let blocks = (n + blockRows - 1) / blockRows
        var tasks: [(Int, Int)] = []
        for i in 0..<blocks { for j in i..<blocks { tasks.append((i, j)) } }
        let threads = max(1, min(requestedThreads, tasks.count))
        let lists = CandidateLists(rows: n, k: k, slots: max(2 * k + 16, candidateSlots), window: 2 * delta)
        defer { lists.deallocate() }
        // The rows of block b are changed only under locks[b].
        let locks = (0..<blocks).map { _ in NSLock() }
        var sinks = (0..<threads).map { _ in PairCandidates(threshold: wantPairs ? pairThreshold : .infinity, keep: maxPairs + 1, delta: delta) }
        let counter = TaskCounter()
        quantized.codes.withUnsafeBufferPointer { codes in
            quantized.scales.withUnsafeBufferPointer { scales in
                quantized.codeSums.withUnsafeBufferPointer { sums in
                    sinks.withUnsafeMutableBufferPointer { sinkSlots in
                        let sinkSlots = sinkSlots
                        parallelFor(threads: threads) { slot in
                            let product = UnsafeMutablePointer<Int32>.allocate(capacity: min(n, blockRows) * min(n, blockRows))
                            defer { product.deallocate() }
                            let stride = quantized.stride
                            while let t = counter.next(below: tasks.count) {
                                let (bi, bj) = tasks[t]
                                let i0 = bi * blockRows, j0 = bj * blockRows
                                let rowsI = min(blockRows, n - i0), rowsJ = min(blockRows, n - j0)
                                // P = Q_I · Q_Jᵀ: [rowsI, stride] times [rowsJ, stride]ᵀ, int32, row-major.
                                kernel.gemm(codes.baseAddress! + i0 * stride, rowsI, codes.baseAddress! + j0 * stride, rowsJ,
                                            stride: stride, bSums: sums.baseAddress! + j0, product, ldc: rowsJ)
                                let block = Block(p: product, scales: scales.baseAddress!, rowsI: rowsI, rowsJ: rowsJ,
                                                  i0: i0, j0: j0, diagonal: bi == bj)
                                locks[bi].lock()
                                offerToRows(block, lists: lists, pairs: &sinkSlots[slot])
                                if bi != bj { locks[bi].unlock(); locks[bj].lock() }
                                offerToColumns(block, lists: lists)
                                locks[bj].unlock()
                            }
                        }
                    }
                }
            }
        }
        let candidateSeconds = lap()
        let (neighbors, candidates, maxCandidates, fallbackRows) = rerank(rows, lists, quantized, kernel: kernel, k: k, delta: delta, threads: requestedThreads)
        var pairs: [SimilarPair] = [], truncated = false, pairCandidates = 0
        let pairFallback = wantPairs && sinks.contains { $0.overflowed }
        if pairFallback {
            (pairs, truncated) = densePairs(rows, threshold: pairThreshold, maxPairs: maxPairs, threads: requestedThreads)
        } else if wantPairs {
            (pairs, truncated, pairCandidates) = rerankPairs(rows, sinks, threshold: pairThreshold, maxPairs: maxPairs,
                                                              delta: delta, threads: requestedThreads)
        }
        let stats = NeighborSearchStats(kernel: kernel, bound: delta, quantizeSeconds: quantizeSeconds, candidateSeconds: candidateSeconds,
                                        rerankSeconds: lap(), candidates: candidates, maxCandidatesPerRow: maxCandidates,
                                        fallbackRows: fallbackRows, pairCandidates: pairCandidates, pairFallback: pairFallback)
        return NeighborSearchResult(lists: neighbors, pairs: pairs, pairsTruncated: truncated, stats: stats)
    }

    /// The naive reference: every pair's similarity (UnitRows.dot, float32 in its fixed order), each
    /// row's others fully sorted (ties: lower row first). O(n² d) time and O(n²) memory: for tests.
    public static func bruteForce(_ rows: UnitRows, k requestedK: Int, pairThreshold: Float = .infinity) -> NeighborSearchResult {
        let n = rows.rowCount
        let k = max(0, min(requestedK, n - 1))
        var indices = [Int32](), similarities = [Float]()
        var pairs: [SimilarPair] = []
        var all = [[Float]](repeating: [Float](repeating: 0, count: n), count: n)
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) {
            let s = rows.similarity32(i, j)
            all[i][j] = s; all[j][i] = s
            if s >= pairThreshold { pairs.append(SimilarPair(first: i, second: j, similarity: s)) }
        } }
        for i in 0..<n {
            let ranked = (0..<n).filter { $0 != i }.sorted { all[i][$0] > all[i][$1] || (all[i][$0] == all[i][$1] && $0 < $1) }
            for j in ranked.prefix(k) { indices.append(Int32(j)); similarities.append(all[i][j]) }
        }
        pairs.sort(by: pairOrder)
        return NeighborSearchResult(lists: NeighborLists(k: k, rowCount: n, indices: indices, similarities: similarities),
                                    pairs: pairs, pairsTruncated: false)
    }

    static func pairOrder(_ a: SimilarPair, _ b: SimilarPair) -> Bool {
        if a.similarity != b.similarity { return a.similarity > b.similarity }
        return a.first != b.first ? a.first < b.first : a.second < b.second
    }

    /// One int32 block product P = Q_I · Q_Jᵀ (`[rowsI, rowsJ]`, row-major) and where it sits; entry
    /// (r, c) is approx(i0 + r, j0 + c) = (Float(P[r, c]) · s_i) · s_j. On a diagonal block only c > r
    /// are pairs of distinct rows.
    struct Block {
        let p: UnsafePointer<Int32>
        let scales: UnsafePointer<Float>
        let rowsI: Int, rowsJ: Int, i0: Int, j0: Int
        let diagonal: Bool

        /// The approx values of P's row r, columns c ..< c + 16.
        @inline(__always)
        func approx16(_ r: Int, _ c: Int) -> SIMD16<Float> {
            let dots = SIMD16<Float>(UnsafeRawPointer(p + r * rowsJ + c).loadUnaligned(as: SIMD16<Int32>.self))
            return dots * scales[i0 + r] * UnsafeRawPointer(scales + j0 + c).loadUnaligned(as: SIMD16<Float>.self)
        }

        @inline(__always)
        func approx(_ r: Int, _ c: Int) -> Float { Float(p[r * rowsJ + c]) * scales[i0 + r] * scales[j0 + c] }
    }

    /// Offers each entry (r, c) to row i0 + r (when it reaches that row's floor) and to the pairs
    /// (when it reaches their bar). The caller holds the lock of the rows of I.
    static func offerToRows(_ block: Block, lists: CandidateLists, pairs: inout PairCandidates) {
        let floors = lists.floor
        for r in 0..<block.rowsI {
            let i = block.i0 + r
            var c = block.diagonal ? r + 1 : 0
            while c + 16 <= block.rowsJ {
                let v = block.approx16(r, c)
                let hit = (v .>= SIMD16<Float>(repeating: floors[i])) .| (v .>= SIMD16<Float>(repeating: pairs.bar))
                if any(hit) {
                    for lane in 0..<16 where hit[lane] {
                        if v[lane] >= floors[i] { lists.offer(row: i, value: v[lane], index: block.j0 + c + lane) }
                        if v[lane] >= pairs.bar { pairs.append(i, block.j0 + c + lane, v[lane]) }
                    }
                }
                c += 16
            }
            while c < block.rowsJ {
                let v = block.approx(r, c)
                if v >= floors[i] { lists.offer(row: i, value: v, index: block.j0 + c) }
                if v >= pairs.bar { pairs.append(i, block.j0 + c, v) }
                c += 1
            }
        }
    }

    /// Offers each entry (r, c) to row j0 + c when it reaches that row's floor. The caller holds
    /// the lock of the rows of J.
    static func offerToColumns(_ block: Block, lists: CandidateLists) {
        let floors = lists.floor
        for r in 0..<block.rowsI {
            let i = block.i0 + r
            var c = block.diagonal ? r + 1 : 0
            while c + 16 <= block.rowsJ {
                let v = block.approx16(r, c)
                let hit = v .>= UnsafeRawPointer(floors + block.j0 + c).loadUnaligned(as: SIMD16<Float>.self)
                if any(hit) {
                    for lane in 0..<16 where hit[lane] && v[lane] >= floors[block.j0 + c + lane] {
                        lists.offer(row: block.j0 + c + lane, value: v[lane], index: i)
                    }
                }
                c += 16
            }
            while c < block.rowsJ {
                let v = block.approx(r, c)
                if v >= floors[block.j0 + c] { lists.offer(row: block.j0 + c, value: v, index: i) }
                c += 1
            }
        }
    }

    /// Stage 2 for the lists: per row, the candidates that can be among the k most similar, their
    /// exact similarities, the k best (ties: lower row). A row whose buffer evicted a value that
    /// might be needed takes its candidates from a second int8 pass of that row against every row
    /// (`fallbackRows`).
    static func rerank(_ rows: UnitRows, _ lists: CandidateLists, _ quantized: QuantizedRows, kernel: Int8Kernel, k: Int, delta: Float,
                       threads requestedThreads: Int) -> (NeighborLists, candidates: Int, maxCandidates: Int, fallbackRows: Int) {
        let n = rows.rowCount, d = rows.dim
        guard k > 0 else { return (NeighborLists(k: 0, rowCount: n, indices: [], similarities: []), 0, 0, 0) }
        var indices = [Int32](repeating: -1, count: n * k)
        var similarities = [Float](repeating: -.infinity, count: n * k)
        let chunk = 256, chunks = (n + chunk - 1) / chunk
        let threads = max(1, min(requestedThreads, chunks))
        var tallies = [SIMD2<Int>](repeating: .zero, count: threads)   // candidates, most for one row
        var fallback = [[Int]](repeating: [], count: threads)
        let counter = TaskCounter(), fallbackCounter = TaskCounter()
        let floors = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { floors.deallocate() }
        rows.values.withUnsafeBufferPointer { u in
            indices.withUnsafeMutableBufferPointer { outIndex in
                similarities.withUnsafeMutableBufferPointer { outSimilarity in
                    tallies.withUnsafeMutableBufferPointer { tally in
                        fallback.withUnsafeMutableBufferPointer { fallback in
                            let outIndex = outIndex, outSimilarity = outSimilarity, tally = tally, fallback = fallback
                            func select(_ i: Int, _ ranked: inout [(Float, Int32)]) {
                                ranked.sort { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
                                for (t, candidate) in ranked.prefix(k).enumerated() {
                                    outSimilarity[i * k + t] = candidate.0
                                    outIndex[i * k + t] = candidate.1
                                }
                            }
                            // Per row: L = the smallest exact similarity of the k best-approx candidates,
                            // a lower bound of the k-th largest similarity (k rows reach it), and at least
                            // a_(k) − δ; every row among the k most similar has approx ≥ L − δ. The buffer
                            // holds all of them unless it evicted a value ≥ L − δ: then the row goes to
                            // the pass below.
                            parallelFor(threads: threads) { slot in
                                var ranked: [(Float, Int32)] = [], offered: [(Float, Int32)] = []
                                while let c = counter.next(below: chunks) {
                                    for i in (c * chunk)..<min(n, (c + 1) * chunk) {
                                        offered.removeAll(keepingCapacity: true)
                                        ranked.removeAll(keepingCapacity: true)
                                        for t in 0..<Int(lists.counts[i]) {
                                            offered.append((lists.values[i * lists.slots + t], lists.indices[i * lists.slots + t]))
                                        }
                                        offered.sort { $0.0 > $1.0 }
                                        if offered.count < k {
                                            // Ties at the eviction threshold took some of the k best: the
                                            // stage-1 rule (k-th best approx − 2δ) sets the floor instead.
                                            floors[i] = lists.kth(i) - lists.window
                                            fallback[slot].append(i)
                                            continue
                                        }
                                        let x = u.baseAddress! + i * d
                                        var lower = Float.infinity
                                        for (t, (value, j)) in offered.enumerated() {
                                            if t >= k && value < lower - delta { break }
                                            let similarity = UnitRows.dot(x, u.baseAddress! + Int(j) * d, d)
                                            if t < k { lower = min(lower, similarity) }
                                            ranked.append((similarity, j))
                                        }
                                        let floor = lower - delta
                                        floors[i] = floor
                                        if lists.evicted[i] >= floor { fallback[slot].append(i); continue }
                                        tally[slot][0] += ranked.count
                                        tally[slot][1] = max(tally[slot][1], ranked.count)
                                        ranked.removeAll { $0.0 < lower }   // k rows are at least `lower`: not among the k best
                                        select(i, &ranked)
                                    }
                                }
                            }
                            // The others: P = Q_F · Q_Jᵀ for groups F of them against blocks J of all rows.
                            let others = fallback.flatMap { $0 }
                            let group = 64, groups = (others.count + group - 1) / group
                            let stride = quantized.stride, blockRows = candidateBlockRows
                            quantized.codes.withUnsafeBufferPointer { codes in quantized.codeSums.withUnsafeBufferPointer { sums in
                                parallelFor(threads: max(1, min(threads, groups))) { slot in
                                    let packed = UnsafeMutablePointer<Int8>.allocate(capacity: group * stride)
                                    let product = UnsafeMutablePointer<Int32>.allocate(capacity: group * blockRows)
                                    defer { packed.deallocate(); product.deallocate() }
                                    var ranked = [[(Float, Int32)]](repeating: [], count: group)
                                    while let g = fallbackCounter.next(below: groups) {
                                        let members = Array(others[(g * group)..<min(others.count, (g + 1) * group)])
                                        for (m, i) in members.enumerated() {
                                            (packed + m * stride).update(from: codes.baseAddress! + i * stride, count: stride)
                                            ranked[m].removeAll(keepingCapacity: true)
                                        }
                                        var j0 = 0
                                        while j0 < n {
                                            let rowsJ = min(blockRows, n - j0)
                                            kernel.gemm(packed, members.count, codes.baseAddress! + j0 * stride, rowsJ, stride: stride,
                                                        bSums: sums.baseAddress! + j0, product, ldc: rowsJ)
                                            for (m, i) in members.enumerated() {
                                                let floor = floors[i], x = u.baseAddress! + i * d
                                                let si = quantized.scales[i]
                                                for c in 0..<rowsJ where j0 + c != i {
                                                    guard Float(product[m * rowsJ + c]) * si * quantized.scales[j0 + c] >= floor else { continue }
                                                    ranked[m].append((UnitRows.dot(x, u.baseAddress! + (j0 + c) * d, d), Int32(j0 + c)))
                                                    tally[slot][0] += 1
                                                }
                                                // Exact values now: keeping the k best (ties: lower row) is final.
                                                if ranked[m].count > 8 * k + 4096 {
                                                    ranked[m].sort { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
                                                    ranked[m].removeLast(ranked[m].count - k)
                                                }
                                            }
                                            j0 += rowsJ
                                        }
                                        for (m, i) in members.enumerated() { select(i, &ranked[m]) }
                                    }
                                }
                            } }
                        }
                    }
                }
            }
        }
        let total = tallies.reduce(SIMD2<Int>.zero, &+)
        return (NeighborLists(k: k, rowCount: n, indices: indices, similarities: similarities),
                total[0], tallies.map { $0[1] }.max() ?? 0, fallback.reduce(0) { $0 + $1.count })
    }

    /// Stage 2 for the pairs: the candidates' exact similarities, those ≥ the threshold, the
    /// `maxPairs` most similar (`truncated` when more cleared it).
    static func rerankPairs(_ rows: UnitRows, _ sinks: [PairCandidates], threshold: Float, maxPairs: Int, delta: Float,
                            threads requestedThreads: Int) -> ([SimilarPair], Bool, Int) {
        var candidates = sinks.flatMap { $0.pairs }
        if candidates.count > maxPairs + 1 {
            // Only pairs within 2δ of the (maxPairs + 1)-th best approx can be among the maxPairs + 1 most similar.
            let bar = PairCandidates.bar(candidates, keep: maxPairs + 1, delta: delta)
            candidates.removeAll { $0.approx < bar }
        }
        let d = rows.dim
        let threads = max(1, min(requestedThreads, candidates.count / 4096 + 1))
        var found = [[SimilarPair]](repeating: [], count: threads)
        rows.values.withUnsafeBufferPointer { u in
            found.withUnsafeMutableBufferPointer { out in
                let out = out
                parallelFor(threads: threads) { slot in
                    for c in sliceRange(candidates.count, part: slot, of: threads) {
                        let (a, b) = (Int(candidates[c].first), Int(candidates[c].second))
                        let s = UnitRows.dot(u.baseAddress! + a * d, u.baseAddress! + b * d, d)
                        if s >= threshold { out[slot].append(SimilarPair(first: a, second: b, similarity: s)) }
                    }
                }
            }
        }
        var pairs = found.flatMap { $0 }
        pairs.sort(by: pairOrder)
        let truncated = pairs.count > maxPairs
        if truncated { pairs.removeLast(pairs.count - maxPairs) }
        return (pairs, truncated, candidates.count)
    }

    /// Every pair's exact similarity, those ≥ the threshold, the `maxPairs` most similar: the pairs'
    /// fallback when the candidates overflowed (O(n² d)).
    static func densePairs(_ rows: UnitRows, threshold: Float, maxPairs: Int, threads requestedThreads: Int) -> ([SimilarPair], Bool) {
        let n = rows.rowCount, d = rows.dim
        let threads = max(1, min(requestedThreads, n))
        var found = [[SimilarPair]](repeating: [], count: threads)
        let counter = TaskCounter()
        rows.values.withUnsafeBufferPointer { u in
            found.withUnsafeMutableBufferPointer { out in
                let out = out
                parallelFor(threads: threads) { slot in
                    while let i = counter.next(below: n) {
                        for j in (i + 1)..<max(i + 1, n) {
                            let s = UnitRows.dot(u.baseAddress! + i * d, u.baseAddress! + j * d, d)
                            guard s >= threshold else { continue }
                            out[slot].append(SimilarPair(first: i, second: j, similarity: s))
                            if out[slot].count >= 2 * (maxPairs + 1) + 4096 {
                                out[slot].sort(by: pairOrder)
                                out[slot].removeLast(out[slot].count - (maxPairs + 1))
                            }
                        }
                    }
                }
            }
        }
        var pairs = found.flatMap { $0 }
        pairs.sort(by: pairOrder)
        let truncated = pairs.count > maxPairs
        if truncated { pairs.removeLast(pairs.count - maxPairs) }
        return (pairs, truncated)
    }
}

/// Every row's candidates: the k best approx values offered so far (unordered, for the running
/// k-th) and a buffer of `slots` offers that reached the row's floor. When the buffer is full, the
/// lower half is evicted and the floor rises above it; `evicted` remembers the largest value
/// dropped, and the row's buffer is complete when that stays below the final k-th − window.
struct CandidateLists {
    let k: Int
    let slots: Int
    /// 2δ: how far below the k-th best approx a candidate may be.
    let window: Float
    let best: UnsafeMutablePointer<Float>
    let bestSlot: UnsafeMutablePointer<Int32>
    /// What an offer must reach: max(k-th best − window, just above the largest evicted value);
    /// −∞ while fewer than k were offered.
    let floor: UnsafeMutablePointer<Float>
    /// The largest value evicted from the buffer (−∞ when none was).
    let evicted: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>
    let indices: UnsafeMutablePointer<Int32>
    let counts: UnsafeMutablePointer<Int32>
    /// Scratch for the eviction's selection (callers hold the row's lock; one row at a time per lock).
    let scratch: UnsafeMutablePointer<Float>
    let rows: Int

    init(rows: Int, k: Int, slots: Int, window: Float) {
        self.rows = rows; self.k = k; self.slots = slots; self.window = window
        best = .allocate(capacity: max(1, rows * k)); best.initialize(repeating: -.infinity, count: rows * k)
        bestSlot = .allocate(capacity: rows); bestSlot.initialize(repeating: 0, count: rows)
        // With k = 0 there is nothing to collect: every floor is +∞.
        floor = .allocate(capacity: rows); floor.initialize(repeating: k > 0 ? -.infinity : .infinity, count: rows)
        evicted = .allocate(capacity: rows); evicted.initialize(repeating: -.infinity, count: rows)
        values = .allocate(capacity: rows * slots)
        indices = .allocate(capacity: rows * slots)
        counts = .allocate(capacity: rows); counts.initialize(repeating: 0, count: rows)
        scratch = .allocate(capacity: slots * ((rows + CosineNeighbors.candidateBlockRows - 1) / CosineNeighbors.candidateBlockRows))
    }

    /// The k-th best approx value offered to `row`.
    func kth(_ row: Int) -> Float { best[row * k + Int(bestSlot[row])] }

    /// Adds a candidate (the caller checked `value >= floor[row]`), raising the k-th best.
    @inline(__always)
    func offer(row: Int, value: Float, index: Int) {
        if counts[row] == Int32(slots) {
            evictLowerHalf(row)
            if value < floor[row] { return }
        }
        let base = row * slots
        values[base + Int(counts[row])] = value
        indices[base + Int(counts[row])] = Int32(index)
        counts[row] += 1
        let b = row * k
        if value > best[b + Int(bestSlot[row])] {
            best[b + Int(bestSlot[row])] = value
            var worst = best[b], worstSlot = 0
            for t in 1..<k where best[b + t] < worst { worst = best[b + t]; worstSlot = t }
            bestSlot[row] = Int32(worstSlot)
            floor[row] = max(worst - window, evicted[row].nextUp)
        }
    }

    /// Keeps the values above τ, the (slots/2 + 1)-th largest, and raises the floor above τ.
    func evictLowerHalf(_ row: Int) {
        let base = row * slots
        let work = scratch + (row / CosineNeighbors.candidateBlockRows) * slots
        work.update(from: values + base, count: slots)
        let tau = Self.select(work, count: slots, rank: slots / 2)
        var kept = 0
        for t in 0..<slots where values[base + t] > tau {
            values[base + kept] = values[base + t]
            indices[base + kept] = indices[base + t]
            kept += 1
        }
        counts[row] = Int32(kept)
        evicted[row] = max(evicted[row], tau)
        floor[row] = max(floor[row], tau.nextUp)
    }

    /// The value of descending rank `rank` (0 = largest) among x[0..<count]; reorders x (quickselect).
    static func select(_ x: UnsafeMutablePointer<Float>, count: Int, rank: Int) -> Float {
        var low = 0, high = count - 1
        while low < high {
            let pivot = x[(low + high) / 2]
            var a = low, b = high
            while a <= b {
                while x[a] > pivot { a += 1 }
                while x[b] < pivot { b -= 1 }
                if a <= b { (x[a], x[b]) = (x[b], x[a]); a += 1; b -= 1 }
            }
            if rank <= b { high = b } else if rank >= a { low = a } else { return x[rank] }
        }
        return x[rank]
    }

    func deallocate() {
        best.deallocate(); bestSlot.deallocate(); floor.deallocate(); evicted.deallocate()
        values.deallocate(); indices.deallocate(); counts.deallocate(); scratch.deallocate()
    }
}

/// One thread's candidate pairs: approx ≥ threshold − δ, and once more than about 2 · `keep`
/// arrived, only those within 2δ of the `keep`-th best approx.
struct PairCandidates {
    struct Candidate { let first: Int32; let second: Int32; let approx: Float }
    let keep: Int
    let delta: Float
    /// What an approx value must reach to be kept; +∞ after an overflow.
    var bar: Float
    var pairs: [Candidate] = []
    var overflowed = false

    init(threshold: Float, keep: Int, delta: Float) {
        self.keep = keep
        self.delta = delta
        self.bar = threshold.isFinite ? threshold - delta : .infinity
    }

    var limit: Int { 2 * keep + 4096 }

    /// The bar that keeps every pair that can be among the `keep` most similar: b − 2δ, b the
    /// `keep`-th largest approx.
    static func bar(_ pairs: [Candidate], keep: Int, delta: Float) -> Float {
        var approx = pairs.map(\.approx)
        approx.sort(by: >)
        return approx[keep - 1] - 2 * delta
    }

    @inline(__always)
    mutating func append(_ a: Int, _ b: Int, _ approx: Float) {
        pairs.append(Candidate(first: Int32(a), second: Int32(b), approx: approx))
        if pairs.count >= limit {
            bar = max(bar, Self.bar(pairs, keep: keep, delta: delta))
            pairs.removeAll { $0.approx < bar }
            // Nearly all within 2δ of each other (identical rows): the dense pass decides.
            if pairs.count > limit - limit / 4 {
                overflowed = true
                bar = .infinity
                pairs = []
            }
        }
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
