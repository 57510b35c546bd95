import ProbeClassifiers
import ProbeTensor
import XCTest

final class CSearchTests: XCTestCase {
    /// The search scores every C of the grid on a held-out split and refits on all data with the best.
    func testSearchReturnsCurveAndRefitsWithBestC() throws {
        let f = try ClassifierFixture("syn_multi")
        let search = CSearch(grid: [1e-4, 1e-2, 1, 1e2], validationFraction: 0.25, seed: 1)
        var fitted = [(Double, Int)]()
        let result = try search.run(x: f.x, y: f.y) { c, x, y -> LogisticRegressionModel in
            fitted.append((c, x.rows))
            let scaler = try StandardScaler().fit(x)
            return try LogisticRegression(c: c).fit(x: scaler.transform(x), y: y)
        }
        XCTAssertEqual(result.curve.map { $0.c }, [1e-4, 1e-2, 1, 1e2])
        let best = result.curve.max { $0.validationAccuracy < $1.validationAccuracy }!
        XCTAssertEqual(result.bestC, result.curve.first { $0.validationAccuracy == best.validationAccuracy }!.c)
        XCTAssertEqual(fitted.last!.0, result.bestC)
        XCTAssertEqual(fitted.last!.1, f.x.rows, "refit on all of the training data")
        XCTAssertLessThan(fitted[0].1, f.x.rows)
        XCTAssertGreaterThan(best.validationAccuracy, result.curve[0].validationAccuracy, "a tiny C underfits these blobs")
        XCTAssertEqual(CSearch.logGrid.count, 9)
    }
}
