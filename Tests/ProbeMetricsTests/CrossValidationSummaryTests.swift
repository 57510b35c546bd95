import XCTest
import ProbeTestSupport
import ProbeMetrics

final class CrossValidationSummaryTests: XCTestCase {
    func foldPredictions(_ cv: SklearnCVCase) -> [FoldPredictions] {
        cv.folds.map { fold in
            FoldPredictions(sampleIndices: fold.test_indices,
                            trueLabels: fold.test_indices.map { cv.y_true[$0] },
                            predictedLabels: fold.test_indices.map { cv.y_pred[$0] },
                            probabilities: fold.test_indices.map { cv.probabilities[$0] })
        }
    }

    func testPerFoldScoresMeanAndStdEqualSklearnAndNumpy() throws {
        let cv = try SklearnFixture.load().cross_validation
        let summary = try CrossValidationSummary(classes: cv.classes, folds: foldPredictions(cv))
        XCTAssertEqual(summary.folds.map(\.accuracy), cv.fold_accuracy)
        XCTAssertEqual(summary.folds.map(\.macroF1), cv.fold_macro_f1)
        XCTAssertEqual(summary.meanAccuracy, cv.accuracy_mean, accuracy: 1e-15)
        XCTAssertEqual(summary.accuracyStd, cv.accuracy_std, accuracy: 1e-15)
        XCTAssertEqual(summary.meanMacroF1, cv.macro_f1_mean, accuracy: 1e-15)
        XCTAssertEqual(summary.macroF1Std, cv.macro_f1_std, accuracy: 1e-15)
    }

    func testOutOfFoldReportIsSklearnReportOverAllSamplesInDatasetOrder() throws {
        let cv = try SklearnFixture.load().cross_validation
        let summary = try CrossValidationSummary(classes: cv.classes, folds: foldPredictions(cv))
        XCTAssertEqual(Array(summary.outOfFold.report.text(digits: 2).utf8), Array(cv.oof_report.utf8))
        XCTAssertEqual(summary.outOfFold.logLoss!, cv.oof_log_loss, accuracy: 1e-12)
        XCTAssertEqual(summary.outOfFold.report.sampleCount, cv.y_true.count)
    }

    func testSampleTestedTwiceIsRejected() throws {
        let cv = try SklearnFixture.load().cross_validation
        var folds = foldPredictions(cv)
        folds[1].sampleIndices[0] = folds[0].sampleIndices[0]
        XCTAssertThrowsError(try CrossValidationSummary(classes: cv.classes, folds: folds)) {
            XCTAssertTrue("\($0)".contains("more than one fold"), "\($0)")
        }
    }

    func testJSONHasTheKeysProbeCvPromises() throws {
        let cv = try SklearnFixture.load().cross_validation
        let summary = try CrossValidationSummary(classes: cv.classes, folds: foldPredictions(cv))
        let object = try JSONSerialization.jsonObject(with: Data(summary.json(classifier: "logreg").serialized().utf8)) as! [String: Any]
        XCTAssertEqual(object["classifier"] as? String, "logreg")
        XCTAssertEqual((object["folds"] as? [Any])?.count, 5)
        for key in ["accuracy", "accuracy_std", "macro_f1", "report"] { XCTAssertNotNil(object[key], key) }
        XCTAssertEqual(object["accuracy"] as! Double, cv.accuracy_mean, accuracy: 1e-15)
    }
}
