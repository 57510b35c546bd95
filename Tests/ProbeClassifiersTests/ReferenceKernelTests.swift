import ProbeClassifiers
import ProbeCore
import XCTest

/// The fast kernels (GEMM, blocking, candidate re-ranking) against the naive loops on random shapes.
final class ReferenceKernelTests: XCTestCase {
    private func random(_ rows: Int, _ cols: Int, _ rng: inout SplitMix64) -> Matrix {
        Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in Float(rng.uniform(below: 2001) - 1000) / 500 })
    }

    func testLogisticGemmGradientMatchesNaiveLoops() {
        var rng = SplitMix64(seed: 11)
        // The last two span several 2048-row chunks (summed across threads) and, with 20 classes,
        // the many-output block size.
        for (n, d, k) in [(37, 5, 2), (130, 17, 4), (64, 33, 7), (4500, 9, 3), (2600, 6, 20)] {
            let x = random(n, d, &rng)
            let y = (0..<n).map { _ in rng.uniform(below: k) }
            let m = k == 2 ? 1 : k
            let w = random(m, d, &rng)
            let b = (0..<m).map { Double($0) * 0.1 - 0.2 }
            let s = (0..<n).map { _ in Double(rng.uniform(below: 100) + 1) / 50 }
            let fast = LogisticRegression(c: 0.7).scaledObjective(x: x, classIndices: y, classCount: k, sampleWeights: s, coefficients: w, intercepts: b)
            let naive = logisticScaledObjectiveReference(x: x, classIndices: y, classCount: k, sampleWeights: s, c: 0.7, coefficients: w, intercepts: b)
            XCTAssertEqual(fast.value, naive.value, accuracy: 1e-6 * abs(naive.value), "n=\(n) d=\(d) K=\(k)")
            let scale = naive.gradient.map(abs).max()!
            for (a, e) in zip(fast.gradient, naive.gradient) { XCTAssertEqual(a, e, accuracy: 1e-5 * scale, "n=\(n) d=\(d) K=\(k)") }
        }
    }

    func testLinearScoresMatchNaiveLoops() throws {
        var rng = SplitMix64(seed: 5)
        for (n, d, m) in [(1, 1, 1), (9, 300, 3), (70, 64, 12)] {
            let x = random(n, d, &rng), w = random(m, d, &rng)
            let b = (0..<m).map { Float($0) }
            let model = try LinearSVCModel(classes: Array(0..<max(m, 2)), coefficients: w, intercepts: b)
            let fast = try model.decisionFunction(x)
            let naive = linearScoresReference(x, w, b)
            for (a, e) in zip(fast.values, naive.values) { XCTAssertEqual(a, e, accuracy: 1e-4 * max(1, abs(e))) }
        }
    }

    /// More training rows than one GEMM block, and more queries than one query block on each of two
    /// threads; the coarse grid of values makes many exactly equal distances.
    func testKNeighborsMatchesNaiveSortOverManyBlocks() throws {
        var rng = SplitMix64(seed: 9)
        let training = random(4500, 6, &rng), queries = random(1100, 6, &rng)
        let labels = (0..<4500).map { $0 % 3 }
        for metric in NeighborMetric.allCases {
            let fast = try KNeighbors(k: 4, metric: metric).fit(x: training, y: labels).kneighbors(queries)
            let naive = kneighborsReference(training: training, queries: queries, k: 4, metric: metric)
            XCTAssertEqual(fast.indices, naive.indices, "\(metric)")
            for (a, e) in zip(fast.distances.joined(), naive.distances.joined()) { XCTAssertEqual(a, e, accuracy: 1e-9) }
        }
    }

    /// Exact duplicates tie: the lower training index comes first, as in a stable sort.
    func testEqualDistancesBreakTiesByTrainingIndex() throws {
        let training = Matrix(rows: 6, cols: 2, values: [1, 1, 0, 0, 1, 1, 2, 2, 1, 1, 0, 0])
        let model = try KNeighbors(k: 3).fit(x: training, y: [0, 1, 2, 0, 1, 2])
        XCTAssertEqual(try model.kneighbors(Matrix(rows: 1, cols: 2, values: [1, 1])).indices, [[0, 2, 4]])
        XCTAssertEqual(try model.predict(Matrix(rows: 1, cols: 2, values: [1, 1])), [0], "three-way tie: lowest label wins")
    }
}
