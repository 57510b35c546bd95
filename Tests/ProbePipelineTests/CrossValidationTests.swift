import Foundation
import XCTest
import ProbeClassifiers
import ProbePipeline

final class CrossValidationTests: XCTestCase {
    func testEverySampleIsPredictedExactlyOnce() throws {
        let dir = try temporaryDirectory("cv")
        defer { try? FileManager.default.removeItem(at: dir) }
        try makeBlobStore(at: dir.appendingPathComponent("feats"), classes: ["a", "b", "c"], perClass: [17, 23, 11])
        let outcome = try CrossValidation.run(features: dir.appendingPathComponent("feats"), settings: ProbeSettings(kind: .logreg), folds: 5)
        XCTAssertEqual(outcome.summary.folds.count, 5)
        XCTAssertEqual(outcome.summary.folds.map(\.testCount).reduce(0, +), 51)
        XCTAssertEqual(outcome.summary.outOfFold.confusionMatrix.support, [17, 23, 11])
        XCTAssertGreaterThan(outcome.summary.meanAccuracy, 0.9)
    }

    func testJSONHasTheDocumentedKeys() throws {
        let dir = try temporaryDirectory("cv-json")
        defer { try? FileManager.default.removeItem(at: dir) }
        try makeBlobStore(at: dir.appendingPathComponent("feats"), classes: ["a", "b"], perClass: [15, 15])
        let outcome = try CrossValidation.run(features: dir.appendingPathComponent("feats"), settings: ProbeSettings(kind: .knn), folds: 3)
        let text = outcome.summary.json(classifier: "knn").serialized(pretty: false)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        for key in ["classifier", "folds", "accuracy", "accuracy_std", "macro_f1", "report"] {
            XCTAssertNotNil(object[key], "missing \(key) in \(text.prefix(200))")
        }
        XCTAssertEqual((object["folds"] as? [Any])?.count, 3)
    }

    func testSameSeedSameFolds() throws {
        let dir = try temporaryDirectory("cv-seed")
        defer { try? FileManager.default.removeItem(at: dir) }
        try makeBlobStore(at: dir.appendingPathComponent("feats"), classes: ["a", "b"], perClass: [20, 20], separation: 0.8)
        var settings = ProbeSettings(kind: .svm)
        settings.seed = 7
        let a = try CrossValidation.run(features: dir.appendingPathComponent("feats"), settings: settings, folds: 4)
        let b = try CrossValidation.run(features: dir.appendingPathComponent("feats"), settings: settings, folds: 4)
        XCTAssertEqual(a.summary.folds.map(\.accuracy), b.summary.folds.map(\.accuracy))
    }
}
