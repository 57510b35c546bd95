import XCTest
import ProbeTestSupport
import ProbeMetrics

/// Averages are summed in NumPy's pairwise order. The "summation_order" fixture case was picked by the
/// reference script because there a plain left-to-right sum differs from NumPy's in the last bit.
final class NumpySummationTests: XCTestCase {
    func testAveragesMatchNumpyWhereLeftToRightSummationWouldNot() throws {
        let c = try XCTUnwrap(SklearnFixture.load().named("summation_order"))
        let r = try ClassificationReport(trueLabels: c.y_true, predictedLabels: c.y_pred, classes: c.classes)
        XCTAssertEqual([r.macroAverage.precision, r.macroAverage.recall, r.macroAverage.f1], c.averages.macro)
        XCTAssertEqual([r.weightedAverage.precision, r.weightedAverage.recall, r.weightedAverage.f1], c.averages.weighted)
    }
}
