import Foundation
import ProbeClassifiers
import ProbeCore
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
        let tied = result.curve.filter { $0.validationAccuracy == best.validationAccuracy }.map(\.c)
        XCTAssertEqual(result.bestC, tied.min { abs(log10($0)) < abs(log10($1)) }!)
        XCTAssertEqual(fitted.last!.0, result.bestC)
        XCTAssertEqual(fitted.last!.1, f.x.rows, "refit on all of the training data")
        XCTAssertLessThan(fitted[0].1, f.x.rows)
        XCTAssertGreaterThan(best.validationAccuracy, result.curve[0].validationAccuracy, "a tiny C underfits these blobs")
        XCTAssertEqual(CSearch.logGrid.count, 9)
    }

    /// When every C scores the same, the search keeps the default C = 1 instead of the most regularised one.
    func testTiesGoToTheCNearestOne() throws {
        struct ConstantModel: Classifier {
            let classes = [0, 1]
            let featureCount: Int
            func predict(_ x: Matrix) throws -> [Int] { Array(repeating: 0, count: x.rows) }
        }
        let x = Matrix(rows: 20, cols: 2, values: (0..<40).map(Float.init))
        let y = (0..<20).map { $0 % 2 }
        let result = try CSearch(grid: CSearch.logGrid, validationFraction: 0.3, seed: 0).run(x: x, y: y) { _, x, _ in
            ConstantModel(featureCount: x.cols)
        }
        XCTAssertEqual(Set(result.curve.map(\.validationAccuracy)).count, 1)
        XCTAssertEqual(result.bestC, 1)
    }
}
