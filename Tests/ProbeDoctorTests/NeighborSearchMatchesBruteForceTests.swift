import XCTest
import ProbeCore
import ProbeDoctor
import ProbeTestSupport

/// The two-stage search (int8 candidates, exact float32 re-rank) returns exactly what the naive
/// all-pairs reference returns, bit for bit: the same neighbours in the same order with the same
/// similarities, the same pairs above a threshold, whatever the kernel and the thread count; also
/// where the candidate buffers overflow (identical rows, heavy ties) and the fallback pass decides.
final class NeighborSearchMatchesBruteForceTests: XCTestCase {
    /// n rows of dimension d: random directions, plus every 7th row a slightly perturbed copy of an
    /// earlier row (so the threshold list is not empty), every 11th an exact copy of an earlier row
    /// (equal similarities: ties), and every 50th a large-magnitude random direction (an outlier).
    func makeRows(n: Int, d: Int, seed: UInt64) -> UnitRows {
        var random = SplitMix64(seed: seed)
        var values = random.floats(n * d)
        for r in 1..<n {
            let source = r / 3
            for j in 0..<d {
                if r % 11 == 0 { values[r * d + j] = values[source * d + j] }
                else if r % 7 == 0 { values[r * d + j] = values[source * d + j] + 0.05 * random.uniform() }
                else if r % 50 == 0 { values[r * d + j] = 40 * random.uniform() }
            }
        }
        return UnitRows(rowCount: n, dim: d, values: values)
    }

    func assertSame(_ fast: NeighborSearchResult, _ slow: NeighborSearchResult, _ what: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(fast.lists.k, slow.lists.k, what, file: file, line: line)
        XCTAssertEqual(fast.lists.indices, slow.lists.indices, "neighbour indices differ \(what)", file: file, line: line)
        XCTAssertEqual(fast.lists.similarities, slow.lists.similarities, "similarities differ \(what)", file: file, line: line)
        XCTAssertEqual(fast.pairs, slow.pairs, "threshold pairs differ (\(fast.pairs.count) vs \(slow.pairs.count)) \(what)", file: file, line: line)
        XCTAssertFalse(fast.pairsTruncated, what, file: file, line: line)
    }

    func testEveryKernelAndThreadCountEqualsBruteForce() {
        // 1100 rows: three blocks of 512, so diagonal, off-diagonal and ragged blocks all occur.
        let rows = makeRows(n: 1100, d: 40, seed: 7)
        let slow = CosineNeighbors.bruteForce(rows, k: 6, pairThreshold: 0.9)
        XCTAssertGreaterThan(slow.pairs.count, 200)
        for kernel in Int8Kernel.allCases where kernel.isSupported {
            for threads in [1, 2, 3] {
                let fast = CosineNeighbors.search(rows, k: 6, pairThreshold: 0.9, threads: threads, kernel: kernel)
                XCTAssertEqual(fast.stats?.kernel, kernel)
                assertSame(fast, slow, "\(kernel), \(threads) threads")
            }
        }
    }

    func testOddDimensionAndOneBlockEqualBruteForce() {
        let rows = makeRows(n: 130, d: 77, seed: 9)
        assertSame(CosineNeighbors.search(rows, k: 4, pairThreshold: 0.8, threads: 2), CosineNeighbors.bruteForce(rows, k: 4, pairThreshold: 0.8))
    }

    func testSmallBuffersFallBackAndStayExact() {
        // In 2048 dimensions random similarities spread by about 1/√2048 ≈ 0.022, comparable with 2δ,
        // so 20 slots (the least for k = 2) cannot hold every row's candidates: rows take the fallback
        // pass, and the answer is unchanged.
        let rows = makeRows(n: 600, d: 2048, seed: 21)
        let slow = CosineNeighbors.bruteForce(rows, k: 2, pairThreshold: 0.95)
        for threads in [1, 2] {
            let fast = CosineNeighbors.search(rows, k: 2, pairThreshold: 0.95, threads: threads, candidateSlots: 1)
            XCTAssertGreaterThan(fast.stats!.fallbackRows, 0)
            assertSame(fast, slow, "\(threads) threads")
        }
    }

    func testIdenticalRowsTieByLowerIndex() {
        // Every similarity equal: each row's neighbours are the lowest other rows, via the fallback.
        let d = 16
        let one = (0..<d).map { Float($0 % 5) - 2 }
        let rows = UnitRows(rowCount: 600, dim: d, values: (0..<600).flatMap { _ in one })
        let fast = CosineNeighbors.search(rows, k: 3, pairThreshold: 0.5, maxPairs: 50, threads: 2)
        XCTAssertEqual(fast.stats!.fallbackRows, 600)
        XCTAssertTrue(fast.stats!.pairFallback)   // 179,700 pairs all within 2δ: the dense pass decides
        XCTAssertEqual(fast.lists.neighbors(of: 0).map(\.index), [1, 2, 3])
        XCTAssertEqual(fast.lists.neighbors(of: 2).map(\.index), [0, 1, 3])
        XCTAssertTrue(fast.pairsTruncated)
        XCTAssertEqual(fast.pairs.map { [$0.first, $0.second] }.prefix(3), [[0, 1], [0, 2], [0, 3]])
        let slow = CosineNeighbors.bruteForce(rows, k: 3, pairThreshold: 0.5)
        XCTAssertEqual(fast.lists.indices, slow.lists.indices)
        XCTAssertEqual(fast.pairs, Array(slow.pairs.prefix(50)))
    }

    func testKLargerThanTheStoreKeepsEveryOtherRow() {
        let rows = makeRows(n: 5, d: 8, seed: 3)
        let fast = CosineNeighbors.search(rows, k: 10)
        XCTAssertEqual(fast.lists.k, 4)
        assertSame(fast, CosineNeighbors.bruteForce(rows, k: 10))
    }

    func testOneRowHasNoNeighbours() {
        let fast = CosineNeighbors.search(makeRows(n: 1, d: 8, seed: 1), k: 5, pairThreshold: 0.5)
        XCTAssertEqual(fast.lists.k, 0)
        XCTAssertTrue(fast.pairs.isEmpty)
    }

    func testPairCapKeepsTheMostSimilar() {
        let rows = makeRows(n: 300, d: 16, seed: 11)
        let all = CosineNeighbors.bruteForce(rows, k: 3, pairThreshold: 0.5).pairs
        for maxPairs in [10, all.count - 1, all.count] {
            let capped = CosineNeighbors.search(rows, k: 3, pairThreshold: 0.5, maxPairs: maxPairs, threads: 2)
            XCTAssertEqual(capped.pairsTruncated, maxPairs < all.count)
            XCTAssertEqual(capped.pairs, Array(all.prefix(maxPairs)))
        }
    }

    func testCrossPairsEqualBruteForce() {
        let a = makeRows(n: 1500, d: 12, seed: 5), b = makeRows(n: 40, d: 12, seed: 5)
        let fast = CosineNeighbors.crossPairs(queries: b, reference: a, threshold: 0.8, threads: 2)
        var slow: [[Int]] = []
        for q in 0..<b.rowCount { for r in 0..<a.rowCount {
            var s = 0.0
            for j in 0..<12 { s += Double(b.values[q * 12 + j]) * Double(a.values[r * 12 + j]) }
            if s >= 0.8 { slow.append([q, r]) }
        } }
        XCTAssertFalse(slow.isEmpty)
        XCTAssertEqual(Set(fast.map { [$0.query, $0.reference] }), Set(slow))
    }
}
