import ProbeClassifiers
import ProbeCore
import XCTest

/// Bad inputs give thrown errors with one-line messages, never a crash.
final class ValidationTests: XCTestCase {
    private func message(_ body: () throws -> Any) -> String? {
        do { _ = try body(); return nil } catch { return "\(error)" }
    }

    func testEmptyDataIsRefused() {
        let empty = Matrix(rows: 0, cols: 4)
        XCTAssertEqual(message { try LogisticRegression().fit(x: empty, y: []) }, "no training samples: the feature matrix has 0 rows")
        XCTAssertEqual(message { try LinearSVC().fit(x: empty, y: []) }, "no training samples: the feature matrix has 0 rows")
        XCTAssertEqual(message { try KNeighbors().fit(x: empty, y: []) }, "no training samples: the feature matrix has 0 rows")
        XCTAssertNotNil(message { try StandardScaler().fit(empty) })
    }

    func testSingleClassIsRefused() {
        let x = Matrix(rows: 3, cols: 2, values: [1, 2, 3, 4, 5, 6])
        let expected = "the training data holds only one class (label 4); a classifier needs at least two"
        XCTAssertEqual(message { try LogisticRegression().fit(x: x, y: [4, 4, 4]) }, expected)
        XCTAssertEqual(message { try LinearSVC().fit(x: x, y: [4, 4, 4]) }, expected)
    }

    func testNonFiniteFeaturesAreRefusedWithTheirPosition() {
        var x = Matrix(rows: 3, cols: 2, values: [1, 2, 3, 4, 5, 6])
        x[1, 1] = .nan
        XCTAssertEqual(message { try LogisticRegression().fit(x: x, y: [0, 1, 0]) }, "feature value at row 1, column 1 is NaN")
        x[1, 1] = .infinity
        XCTAssertEqual(message { try LinearSVC().fit(x: x, y: [0, 1, 0]) }, "feature value at row 1, column 1 is infinite")
        XCTAssertEqual(message { try KNeighbors(k: 1).fit(x: x, y: [0, 1, 0]) }, "feature value at row 1, column 1 is infinite")
        XCTAssertEqual(message { try StandardScaler().fit(x) }, "feature value at row 1, column 1 is infinite")
    }

    /// The vectorised scan (blocks of thousands of values) still names the first bad value.
    func testFirstNonFiniteValueOfALargeMatrixIsNamed() {
        var x = Matrix(rows: 100, cols: 100, values: (0..<10_000).map { Float($0 % 7) })
        x[57, 13] = -.infinity
        x[80, 2] = .nan
        XCTAssertEqual(message { try LogisticRegression().fit(x: x, y: (0..<100).map { $0 % 2 }) }, "feature value at row 57, column 13 is infinite")
        x[57, 13] = 1
        XCTAssertEqual(message { try LogisticRegression().fit(x: x, y: (0..<100).map { $0 % 2 }) }, "feature value at row 80, column 2 is NaN")
    }

    func testDimensionMismatchIsRefusedAtPrediction() throws {
        let x = Matrix(rows: 4, cols: 2, values: [0, 0, 1, 1, 0, 1, 1, 0])
        let y = [0, 1, 0, 1]
        let wide = Matrix(rows: 1, cols: 3, values: [1, 2, 3])
        let expected = "features have 3 columns but the model was trained on 2"
        XCTAssertEqual(message { try LogisticRegression().fit(x: x, y: y).predict(wide) }, expected)
        XCTAssertEqual(message { try LinearSVC().fit(x: x, y: y).predict(wide) }, expected)
        XCTAssertEqual(message { try KNeighbors(k: 3).fit(x: x, y: y).predict(wide) }, expected)
        XCTAssertEqual(message { try LogisticRegression().fit(x: x, y: [0, 1, 0]) }, "3 labels for 4 feature rows")
        XCTAssertEqual(message { try KNeighbors(k: 5).fit(x: x, y: y) }, "k = 5 is more than the 4 training samples")
    }

    func testMismatchedSavedModelIsRefused() {
        XCTAssertEqual(message { try LogisticRegressionModel(classes: [0, 1, 2], coefficients: Matrix(rows: 2, cols: 4), intercepts: [0, 0]) },
                       "logistic regression model: 3 classes need 3 coefficient rows and intercepts, found 2 and 2")
        XCTAssertNotNil(message { try LinearSVCModel(classes: [0, 1], coefficients: Matrix(rows: 2, cols: 4), intercepts: [0, 0]) })
        XCTAssertNotNil(message { try StandardScalerModel(mean: [0, 1], scale: [1]) })
        XCTAssertNotNil(message { try StandardScalerModel(mean: [0], scale: [0]) })
    }

    func testClassWithOneSampleStillFits() throws {
        // Legal for the estimators themselves (as in scikit-learn); only splitting refuses it.
        let x = Matrix(rows: 5, cols: 1, values: [0, 0.1, 1, 1.1, 5])
        let model = try LogisticRegression(c: 10).fit(x: x, y: [0, 0, 1, 1, 2])
        XCTAssertEqual(model.classes, [0, 1, 2])
    }

    func testNonConvergenceIsReportedNotSilent() throws {
        let f = try ClassifierFixture("flowers")
        let model = try LogisticRegression(c: 1, maxIterations: 3).fit(x: f.x, y: f.y)
        XCTAssertFalse(model.converged)
        XCTAssertEqual(model.iterations, 3)
        XCTAssertTrue(model.warning?.hasPrefix("logistic regression did not converge in 3 iterations") ?? false, model.warning ?? "nil")
    }
}
