import Foundation
import ProbeCore
import XCTest
import ProbeClassifiers
import ProbeMetrics
import ProbePipeline
import ProbeStore

final class FittingTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try temporaryDirectory("fitting") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func fit(_ kind: ClassifierKind, store: URL, configure: (inout FitRequest) -> Void = { _ in }) throws -> FitOutcome {
        var request = FitRequest(features: store, settings: ProbeSettings(kind: kind))
        request.workingDirectory = dir
        configure(&request)
        return try Fitting.run(request)
    }

    func testEachClassifierSeparatesBlobsAndWritesItsFiles() throws {
        let store = dir.appendingPathComponent("feats")
        try makeBlobStore(at: store, classes: ["a", "b", "c"], perClass: [30, 30, 30])
        for kind in ClassifierKind.allCases {
            let outcome = try fit(kind, store: store)
            XCTAssertEqual(outcome.classifierFile.lastPathComponent, "\(kind.rawValue).json")
            XCTAssertTrue(FileManager.default.fileExists(atPath: outcome.classifierFile.path))
            let predictions = try PredictionSet.load(from: XCTUnwrap(outcome.predictionsFile))
            // Stratified 20 % hold-out: 6 of each class.
            XCTAssertEqual(predictions.rows.count, 18, kind.rawValue)
            XCTAssertEqual(outcome.trainRows, 72)
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(outcome.evaluation?.report.accuracy), 0.95, kind.rawValue)
        }
    }

    func testSavedClassifierPredictsLikeTheFittedOne() throws {
        let store = dir.appendingPathComponent("feats")
        try makeBlobStore(at: store, classes: ["a", "b", "c"], perClass: [20, 25, 30], separation: 1.5)
        for kind in ClassifierKind.allCases {
            let outcome = try fit(kind, store: store) { $0.settings.pcaComponents = 4 }
            let loaded = try ClassifierFile.load(outcome.classifierFile)
            XCTAssertEqual(loaded.classes, ["a", "b", "c"])
            let x = Matrix(rows: 5, cols: 8, values: (0..<40).map { Float($0 % 7) - 3 })
            let fresh = try outcome.probe.predict(x, classCount: 3)
            let reloaded = try loaded.probe.predict(x, classCount: 3)
            XCTAssertEqual(fresh.labels, reloaded.labels, kind.rawValue)
            if let a = fresh.probabilities, let b = reloaded.probabilities {
                for (ra, rb) in zip(a, b) { for (pa, pb) in zip(ra, rb) { XCTAssertEqual(pa, pb, accuracy: 1e-6) } }
            }
        }
    }

    func testLogisticRegressionFileRecordsTheObjectiveOnItsTrainingRows() throws {
        let store = dir.appendingPathComponent("feats")
        try makeBlobStore(at: store, classes: ["a", "b", "c"], perClass: [20, 25, 30], separation: 1.5)
        let outcome = try fit(.logreg, store: store) { $0.settings.c = 0.5 }
        guard case .logreg(let saved) = try ClassifierFile.load(outcome.classifierFile).probe.model else { return XCTFail("not logreg") }
        // Recomputed here from the store's training rows, which are all rows but the 20 % hold-out.
        let features = try FeatureStore(directory: store)
        let validation = Set(try PredictionSet.load(from: XCTUnwrap(outcome.predictionsFile)).rows.map(\.path))
        let train = (0..<features.rowCount).filter { !validation.contains(features.paths[$0]) }
        XCTAssertEqual(train.count, outcome.trainRows)
        let expected = try LogisticRegression(c: 0.5).objective(of: saved, x: outcome.probe.transform(features.copyRows(train)),
                                                               y: train.map { features.labels[$0] })
        XCTAssertEqual(try XCTUnwrap(saved.objective), expected, accuracy: 1e-9 * expected)
    }

    func testFitRecordsItselfAsTheDirectorysMostRecent() throws {
        let store = dir.appendingPathComponent("feats")
        try makeBlobStore(at: store, classes: ["a", "b"], perClass: [20, 20])
        let outcome = try fit(.logreg, store: store)
        XCTAssertEqual(try LastFit.resolve(in: dir)?.standardizedFileURL.path, outcome.classifierFile.standardizedFileURL.path)
    }

    func testEmptyStoreIsAClearError() throws {
        let store = dir.appendingPathComponent("empty")
        try makeBlobStore(at: store, classes: ["a", "b"], perClass: [0, 0])
        XCTAssertThrowsError(try fit(.logreg, store: store)) { XCTAssertTrue("\($0)".contains("no rows"), "\($0)") }
    }

    func testSingleClassIsAClearError() throws {
        let store = dir.appendingPathComponent("one")
        try makeBlobStore(at: store, classes: ["a", "b"], perClass: [10, 0])
        XCTAssertThrowsError(try fit(.svm, store: store)) { XCTAssertTrue("\($0)".contains("only one class"), "\($0)") }
    }

    func testClassWithOneSampleDoesNotCrash() throws {
        let store = dir.appendingPathComponent("lonely")
        try makeBlobStore(at: store, classes: ["a", "b", "c"], perClass: [12, 12, 1])
        // Either a fit that works or a clear error; never a trap.
        do {
            let outcome = try fit(.logreg, store: store)
            XCTAssertEqual(outcome.trainRows + outcome.validationRows, 25)
        } catch {
            XCTAssertFalse("\(error)".isEmpty)
        }
    }

    func testNaNInEmbeddingsIsNamed() throws {
        let store = dir.appendingPathComponent("nan")
        try makeBlobStore(at: store, classes: ["a", "b"], perClass: [10, 10]) { $0[3] = .nan }
        XCTAssertThrowsError(try fit(.logreg, store: store) { $0.validationSplit = 0 }) {
            XCTAssertTrue("\($0)".contains("NaN"), "\($0)")
        }
    }

    func testValidationStoreFromAnotherBackboneIsRefused() throws {
        let train = dir.appendingPathComponent("train"), other = dir.appendingPathComponent("other")
        try makeBlobStore(at: train, classes: ["a", "b"], perClass: [10, 10])
        try makeBlobStore(at: other, classes: ["a", "b"], perClass: [5, 5], model: "vgg16")
        XCTAssertThrowsError(try fit(.logreg, store: train) { $0.validation = other }) {
            XCTAssertTrue("\($0)".contains("made differently"), "\($0)")
        }
    }

    func testMissingStoreSaysHowToMakeOne() throws {
        XCTAssertThrowsError(try fit(.knn, store: dir.appendingPathComponent("nothing"))) {
            XCTAssertTrue("\($0)".contains("probe extract"), "\($0)")
        }
    }
}
