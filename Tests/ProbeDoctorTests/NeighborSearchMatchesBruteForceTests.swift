import XCTest
import ProbeCore
import ProbeDoctor
import ProbeTestSupport

/// The blocked, symmetric, multi-threaded top-k search returns what the naive all-pairs reference
/// returns: the same neighbours in the same order, similarities within float32 GEMM error, and the
/// same pairs above a threshold.
final class NeighborSearchMatchesBruteForceTests: XCTestCase {
    /// n rows of dimension d: random directions, plus every 7th row a slightly perturbed copy of an
    /// earlier row (so the threshold list is not empty and near ties stay distinct).
    func makeRows(n: Int, d: Int, seed: UInt64) -> UnitRows {
        var random = SplitMix64(seed: seed)
        var values = random.floats(n * d)
        for r in stride(from: 7, to: n, by: 7) {
            let source = r / 3
            for j in 0..<d { values[r * d + j] = values[source * d + j] + 0.05 * random.uniform() }
        }
        return UnitRows(rowCount: n, dim: d, values: values)
    }

    func assertSame(_ fast: NeighborSearchResult, _ slow: NeighborSearchResult, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(fast.lists.k, slow.lists.k, file: file, line: line)
        XCTAssertEqual(fast.lists.indices, slow.lists.indices, "neighbour indices differ", file: file, line: line)
        let error = zip(fast.lists.similarities, slow.lists.similarities).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(error, 1e-5, file: file, line: line)
        // The same pairs; ordered by the float32 similarity (near-equal ones may swap against float64).
        XCTAssertTrue(Set(fast.pairs.map { [$0.first, $0.second] }) == Set(slow.pairs.map { [$0.first, $0.second] }),
                      "threshold pairs differ (\(fast.pairs.count) vs \(slow.pairs.count))", file: file, line: line)
        XCTAssertTrue(zip(fast.pairs, fast.pairs.dropFirst()).allSatisfy { $0.similarity >= $1.similarity }, file: file, line: line)
        XCTAssertFalse(fast.pairsTruncated, file: file, line: line)
    }

    func testSeveralBlocksAndThreadsEqualBruteForce() {
        // 2100 rows: three blocks of 1024, so diagonal, off-diagonal and ragged blocks all occur.
        let rows = makeRows(n: 2100, d: 24, seed: 7)
        let slow = CosineNeighbors.bruteForce(rows, k: 6, pairThreshold: 0.9)
        XCTAssertGreaterThan(slow.pairs.count, 300)
        for threads in [1, 2, 3] {
            assertSame(CosineNeighbors.search(rows, k: 6, pairThreshold: 0.9, threads: threads), slow)
        }
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
        let capped = CosineNeighbors.search(rows, k: 3, pairThreshold: 0.5, maxPairs: 10)
        XCTAssertTrue(capped.pairsTruncated)
        XCTAssertEqual(capped.pairs.count, 10)
        XCTAssertEqual(capped.pairs.map(\.similarity).min()!, all[9].similarity, accuracy: 1e-5)
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
