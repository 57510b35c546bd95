import Foundation
import ProbeMetrics
import ProbePipeline
import XCTest

/// `probe report` finds a fit again: from a classifier file, a fit folder, or the current directory's record.
final class FitLocationTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("probe-fitlocation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func sample() -> PredictionSet {
        PredictionSet(classes: ["cat", "dog"],
                      source: .init(model: "efficientnet_lite0", weightsSHA256: "abc", classifier: "logreg",
                                    classifierParameters: ["C": "1.0"], features: "feats"),
                      rows: [.init(path: "cat/1.jpg", trueLabel: "cat", predictedLabel: "dog", probabilities: [0.3, 0.7])])
    }

    func testLocateFindsPredictionsBesideAClassifierFileAndInAFitFolder() throws {
        let models = folder.appendingPathComponent("feats/models")
        try sample().save(to: models.appendingPathComponent("logreg.predictions.json"))
        try Data("{}".utf8).write(to: models.appendingPathComponent("logreg.json"))
        XCTAssertEqual(try PredictionSet.locate(run: models.appendingPathComponent("logreg.json")).lastPathComponent, "logreg.predictions.json")
        XCTAssertEqual(try PredictionSet.locate(run: folder.appendingPathComponent("feats")).lastPathComponent, "logreg.predictions.json")
        XCTAssertThrowsError(try PredictionSet.locate(run: folder)) { XCTAssertTrue("\($0)".contains("no predictions found"), "\($0)") }
    }

    func testLastFitRecordsAndResolvesPerDirectory() throws {
        XCTAssertNil(try LastFit.resolve(in: folder))
        let run = folder.appendingPathComponent("feats/models/logreg.json")
        try FileManager.default.createDirectory(at: run.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: run)
        try LastFit.record(run, in: folder)
        XCTAssertEqual(try LastFit.resolve(in: folder)?.path, run.path)
        try FileManager.default.removeItem(at: run)
        XCTAssertThrowsError(try LastFit.resolve(in: folder)) { XCTAssertTrue("\($0)".contains("no longer exists"), "\($0)") }
    }
}
