import XCTest
import ProbeTestSupport
import ProbeMetrics

final class ConfusionMatrixTests: XCTestCase {
    func testCountsEqualSklearnRowsTrueColumnsPredicted() throws {
        for c in try SklearnFixture.load().cases {
            let m = try ConfusionMatrix(trueLabels: c.y_true, predictedLabels: c.y_pred, classes: c.classes)
            XCTAssertEqual(m.counts, c.confusion_matrix, c.name)
            XCTAssertEqual(m.total, c.y_true.count, c.name)
        }
    }

    func testTextHasClassNamesOnBothAxesAndAlignedColumns() throws {
        let m = try ConfusionMatrix(trueLabels: [0, 0, 1, 1, 1, 2], predictedLabels: [0, 1, 1, 1, 1, 0],
                                    classes: ["cat", "dog", "a_long_name"])
        let lines = m.text().split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines[0], "true \\ predicted  cat  dog  a_long_name")
        XCTAssertEqual(lines[1], "             cat    1    1            0")
        XCTAssertEqual(lines[2], "             dog    0    3            0")
        XCTAssertEqual(lines[3], "     a_long_name    1    0            0")
    }
}
