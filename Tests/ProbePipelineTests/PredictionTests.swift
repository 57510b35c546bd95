import Foundation
import XCTest
import ProbeClassifiers
import ProbeImages
import ProbePipeline

final class PredictionTests: XCTestCase {
    func testStoreInputFromAnotherBackboneIsRefused() throws {
        let dir = try temporaryDirectory("predict")
        defer { try? FileManager.default.removeItem(at: dir) }
        let train = dir.appendingPathComponent("train"), other = dir.appendingPathComponent("other")
        try makeBlobStore(at: train, classes: ["a", "b"], perClass: [10, 10])
        try makeBlobStore(at: other, classes: ["a", "b"], perClass: [3, 3], model: "mobilenet_v2")
        var request = FitRequest(features: train, settings: ProbeSettings(kind: .logreg))
        request.workingDirectory = dir
        let outcome = try Fitting.run(request)
        XCTAssertThrowsError(try Prediction.run(classifier: outcome.classifierFile, inputs: [other], weights: nil, top: 1, threads: 1)) {
            XCTAssertTrue("\($0)".contains("made differently"), "\($0)")
        }
        // The matching store is labelled, most likely class first.
        let rows = try Prediction.run(classifier: outcome.classifierFile, inputs: [train], weights: nil, top: 2, threads: 1).rows
        XCTAssertEqual(rows.count, 20)
        XCTAssertEqual(rows[0].top.count, 2)
        XCTAssertGreaterThanOrEqual(rows[0].top[0].probability ?? 0, rows[0].top[1].probability ?? 1)
    }

    /// A folder is listed by the scanner extract uses: what it leaves out is reported with its reason
    /// (hidden files silently), before any weights are needed.
    func testFolderFilesLeftOutAreReportedAsExtractReportsThem() throws {
        let dir = try temporaryDirectory("predict-folder")
        defer { try? FileManager.default.removeItem(at: dir) }
        let train = dir.appendingPathComponent("train"), photos = dir.appendingPathComponent("photos")
        try makeBlobStore(at: train, classes: ["a", "b"], perClass: [10, 10])
        var request = FitRequest(features: train, settings: ProbeSettings(kind: .logreg))
        request.workingDirectory = dir
        let outcome = try Fitting.run(request)
        try FileManager.default.createDirectory(at: photos.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("notes".utf8).write(to: photos.appendingPathComponent("sub/notes.txt"))
        try Data("x".utf8).write(to: photos.appendingPathComponent(".hidden.jpg"))
        try FileManager.default.createSymbolicLink(atPath: photos.appendingPathComponent("gone.jpg").path, withDestinationPath: "nowhere")
        let predicted = try Prediction.run(classifier: outcome.classifierFile, inputs: [photos], weights: nil, top: 1, threads: 1)
        XCTAssertEqual(predicted.rows.count, 0)
        XCTAssertEqual(predicted.skipped.map(\.path), [photos.appendingPathComponent("gone.jpg").path, photos.appendingPathComponent("sub/notes.txt").path])
        XCTAssertEqual(predicted.skipped.map(\.reason), [
            "broken symbolic link or unreadable entry",
            "unsupported file type '.txt' (expected \(DatasetScanner.imageExtensionList))",
        ])
    }

    func testDamagedClassifierFileIsAnErrorNotACrash() throws {
        let dir = try temporaryDirectory("predict-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("logreg.json")
        try Data("{\"format\": \"probe-classifier\"".utf8).write(to: file)
        XCTAssertThrowsError(try ClassifierFile.load(file)) { XCTAssertTrue("\($0)".contains("not a Probe classifier file"), "\($0)") }
    }
}
