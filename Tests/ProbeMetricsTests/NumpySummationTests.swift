import XCTest
import ProbeMetrics

/// The report's averages are summed in NumPy's pairwise order (internal); what the public API shows is
/// that macro averages over many classes equal sklearn's to the last bit (see ClassificationReportTests).
/// Here: a case with 23 classes exists in the fixture, so that path is covered.
final class NumpySummationTests: XCTestCase {
    func testFixtureCoversTheBlockedSummationPath() throws {
        let c = try XCTUnwrap(SklearnFixture.load().named("many_classes"))
        XCTAssertGreaterThan(c.classes.count, 8)
        let r = try ClassificationReport(trueLabels: c.y_true, predictedLabels: c.y_pred, classes: c.classes)
        XCTAssertEqual(r.macroAverage.f1, c.averages.macro[2])
        XCTAssertEqual(r.weightedAverage.precision, c.averages.weighted[0])
    }
}
