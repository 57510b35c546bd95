import ProbeClassifiers
import ProbeCore
import ProbeTensor
import XCTest

/// The threaded kernels split work into fixed chunks and add partial sums in chunk order, so one
/// thread and two give the same answer to the last bit.
final class ThreadCountTests: XCTestCase {
    private func random(_ rows: Int, _ cols: Int, _ rng: inout SplitMix64) -> Matrix {
        Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in Float(rng.uniform(below: 2001) - 1000) / 500 })
    }

    private func withThreads<T>(_ n: Int, _ body: () throws -> T) rethrows -> T {
        let saved = ComputeThreads.count
        ComputeThreads.set(n)
        defer { ComputeThreads.set(saved) }
        return try body()
    }

    func testLogisticFitIsIdenticalOnOneAndTwoThreads() throws {
        var rng = SplitMix64(seed: 21)
        // 5000 rows: three 2048-row chunks, so two threads really split the passes over X.
        let x = random(5000, 7, &rng)
        let y = (0..<5000).map { _ in rng.uniform(below: 3) }
        let one = try withThreads(1) { try LogisticRegression(c: 0.5).fit(x: x, y: y) }
        let two = try withThreads(2) { try LogisticRegression(c: 0.5).fit(x: x, y: y) }
        XCTAssertGreaterThan(one.iterations, 1)
        XCTAssertEqual(one.iterations, two.iterations)
        XCTAssertEqual(one.coefficients.values, two.coefficients.values)
        XCTAssertEqual(one.intercepts, two.intercepts)
        let estimator = LogisticRegression(c: 0.5)
        XCTAssertEqual(try withThreads(1) { try estimator.objective(of: one, x: x, y: y) },
                       try withThreads(2) { try estimator.objective(of: one, x: x, y: y) })
    }

    func testNeighboursAreIdenticalOnOneAndTwoThreads() throws {
        var rng = SplitMix64(seed: 22)
        let training = random(3000, 5, &rng), queries = random(700, 5, &rng)
        let labels = (0..<3000).map { $0 % 4 }
        for metric in NeighborMetric.allCases {
            let model = try KNeighbors(k: 5, metric: metric).fit(x: training, y: labels)
            let one = try withThreads(1) { try model.kneighbors(queries) }
            let two = try withThreads(2) { try model.kneighbors(queries) }
            XCTAssertEqual(one, two, "\(metric)")
        }
    }
}
