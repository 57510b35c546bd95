import XCTest
import ProbeTestSupport
import ProbeMetrics

/// The report text and numbers must equal scikit-learn's for the same predictions.
final class ClassificationReportTests: XCTestCase {
    func report(for c: SklearnCase) throws -> ClassificationReport {
        try ClassificationReport(trueLabels: c.y_true, predictedLabels: c.y_pred, classes: c.classes, labels: c.labels)
    }

    /// Byte-level comparison: Swift's String == treats "café" and "cafe\u{301}" as equal, sklearn does not.
    func assertSameBytes(_ actual: String, _ expected: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Array(actual.utf8), Array(expected.utf8), "case \(name):\n--- probe\n\(actual)--- sklearn\n\(expected)", file: file, line: line)
    }

    func testEveryFixtureReportTextMatchesSklearnCharacterForCharacter() throws {
        let fixture = try SklearnFixture.load()
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 10)
        for c in fixture.cases {
            assertSameBytes(try report(for: c).text(digits: c.digits), c.report, c.name)
        }
    }

    func testNeverPredictedClassGetsZeroPrecisionNotNaN() throws {
        let c = try XCTUnwrap(SklearnFixture.load().named("never_predicted_and_absent"))
        let r = try report(for: c)
        XCTAssertEqual(r.perClass[1].precision, 0.0)   // "bee" is never predicted
        XCTAssertEqual(r.perClass[3].recall, 0.0)      // "moth" never occurs
        XCTAssertEqual(r.perClass[3].support, 0)
        assertSameBytes(r.text(digits: 2), c.report, c.name)
    }

    func testLongClassNamesWidenTheNameColumn() throws {
        let c = try XCTUnwrap(SklearnFixture.load().named("long_names"))
        let text = try report(for: c).text(digits: c.digits)
        XCTAssertTrue(text.split(separator: "\n")[1].hasPrefix(c.classes[0]))  // longest name starts its row
        assertSameBytes(text, c.report, c.name)
    }

    func testUnicodeNamesArePaddedByCodePointsLikePython() throws {
        let c = try XCTUnwrap(SklearnFixture.load().named("unicode_names"))
        assertSameBytes(try report(for: c).text(digits: c.digits), c.report, c.name)
    }

    func testLabelsSubsetPrintsMicroAvgInsteadOfAccuracy() throws {
        let c = try XCTUnwrap(SklearnFixture.load().named("labels_subset_micro"))
        let r = try report(for: c)
        XCTAssertFalse(r.microIsAccuracy)
        XCTAssertNil(r.accuracy)
        XCTAssertTrue(r.text().contains("   micro avg "))
        assertSameBytes(r.text(digits: c.digits), c.report, c.name)
    }

    func testPerClassAndAverageNumbersEqualSklearnExactly() throws {
        for c in try SklearnFixture.load().cases {
            let r = try report(for: c)
            XCTAssertEqual(r.perClass.map(\.precision), c.precision, c.name)
            XCTAssertEqual(r.perClass.map(\.recall), c.recall, c.name)
            XCTAssertEqual(r.perClass.map(\.f1), c.f1, c.name)
            XCTAssertEqual(r.perClass.map(\.support), c.support, c.name)
            let m = r.microAverage, a = r.macroAverage, w = r.weightedAverage
            XCTAssertEqual([m.precision, m.recall, m.f1], c.averages.micro, c.name)
            XCTAssertEqual([a.precision, a.recall, a.f1], c.averages.macro, c.name)
            XCTAssertEqual([w.precision, w.recall, w.f1], c.averages.weighted, c.name)
        }
    }

    func testMismatchedLengthsAndOutOfRangeLabelsThrowClearErrors() {
        XCTAssertThrowsError(try ClassificationReport(trueLabels: [0, 1], predictedLabels: [0], classes: ["a", "b"])) {
            XCTAssertTrue("\($0)".contains("differ in length"), "\($0)")
        }
        XCTAssertThrowsError(try ClassificationReport(trueLabels: [0, 2], predictedLabels: [0, 1], classes: ["a", "b"])) {
            XCTAssertTrue("\($0)".contains("not a class index"), "\($0)")
        }
    }
}

extension ClassificationReportTests {
    /// sklearn tallies with float zeros when nothing is predicted correctly, so it prints supports as "1.0".
    func testNoCorrectPredictionPrintsSupportsAsFloatsLikeSklearn() throws {
        let c = try XCTUnwrap(SklearnFixture.load().named("single_sample"))
        let text = try report(for: c).text(digits: c.digits)
        XCTAssertTrue(text.contains("       1.0\n"), text)
        assertSameBytes(text, c.report, c.name)
    }
}
