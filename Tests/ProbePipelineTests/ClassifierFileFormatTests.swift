import Foundation
import XCTest
import ProbeClassifiers
import ProbeCore
import ProbePipeline
import ProbeStore
import ProbeTestSupport

/// The classifier file format stays readable: Tests/Fixtures/classifier-files holds one file per
/// classifier written by `ClassifierFile.save` (see its README for the commit and the command),
/// and today's code must read each one and write it back byte for byte, and name what is wrong in
/// a damaged one exactly as before.
final class ClassifierFileFormatTests: XCTestCase {
    static let fixtures = TestPaths.fixture("classifier-files")
    static let stems = ["logreg", "svm", "knn"]

    /// `PROBE_WRITE_CLASSIFIER_FIXTURES=DIR swift test --filter ClassifierFileFormatTests` writes the
    /// fixture files into DIR with the code being tested (only to be done on purpose, when the
    /// format's version changes).
    override class func setUp() {
        if let dir = ProcessInfo.processInfo.environment["PROBE_WRITE_CLASSIFIER_FIXTURES"] {
            do { try writeFixtures(to: URL(fileURLWithPath: dir)) } catch { fatalError("writing the fixtures: \(error)") }
        }
    }

    var dir: URL!
    override func setUpWithError() throws { dir = try temporaryDirectory("classifier-format") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testCommittedFilesAreWrittenBackByteForByte() throws {
        for stem in Self.stems {
            let loaded = try ClassifierFile.load(Self.fixtures.appendingPathComponent("\(stem).json"))
            let copy = ClassifierFile(url: dir.appendingPathComponent("\(stem).json"), probe: loaded.probe, classes: loaded.classes,
                                      features: loaded.features, training: loaded.training)
            try copy.save()
            let written = try files(of: stem, in: dir)
            XCTAssertEqual(written, try files(of: stem, in: Self.fixtures), stem)
            for name in written {
                XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent(name)),
                               try Data(contentsOf: Self.fixtures.appendingPathComponent(name)), name)
            }
        }
    }

    func testCommittedFilesHoldWhatEachClassifierRecords() throws {
        let logreg = try ClassifierFile.load(Self.fixtures.appendingPathComponent("logreg.json"))
        XCTAssertEqual(logreg.classes, ["cat", "dog", "fox"])
        XCTAssertNotNil(logreg.probe.scaler)
        XCTAssertEqual(logreg.probe.pca?.whiten, true)
        XCTAssertNotNil(logreg.probe.chosenC)
        XCTAssertFalse(logreg.probe.cCurve.isEmpty)
        guard case .logreg(let model) = logreg.probe.model else { return XCTFail("logreg.json holds another model") }
        XCTAssertNotNil(model.objective, "the objective the fit reached is recorded")
        XCTAssertEqual(logreg.features.dim, 6)
        guard case .svm(let svm) = try ClassifierFile.load(Self.fixtures.appendingPathComponent("svm.json")).probe.model else {
            return XCTFail("svm.json holds another model")
        }
        XCTAssertNotNil(svm.warning, "the fixture SVM stops at its iteration limit")
        let knnFile = try ClassifierFile.load(Self.fixtures.appendingPathComponent("knn.json"))
        guard case .knn(let knn) = knnFile.probe.model else { return XCTFail("knn.json holds another model") }
        XCTAssertEqual(knn.k, 3)
        XCTAssertEqual(knn.metric, .cosine)
        XCTAssertEqual(knn.labels.count, 36)
        XCTAssertNil(knnFile.probe.scaler)
    }

    // MARK: - Damaged files: one message each, naming the file

    func testWrongFormatNameIsNotAClassifierFile() throws {
        let file = try damagedCopy("logreg") { $0["format"] = "probe-store" }
        assertLoadFails(file, "\(file.path): not a Probe classifier file")
    }

    func testNewerVersionSaysWhichVersionsAreRead() throws {
        let file = try damagedCopy("logreg") { $0["version"] = 2 }
        assertLoadFails(file, "\(file.path): classifier format 2 is not supported (this probe reads 1)")
    }

    func testTruncatedJSONIsNotAClassifierFile() throws {
        let file = try damagedCopy("logreg") { _ in }
        let text = try Data(contentsOf: file)
        try text.prefix(text.count / 2).write(to: file)
        assertLoadFails(file, prefix: "\(file.path): not a Probe classifier file (")
    }

    func testMissingFileCannotBeRead() {
        let file = dir.appendingPathComponent("nothing.json")
        assertLoadFails(file, prefix: "\(file.path): cannot read the classifier file (")
    }

    func testMissingArrayNameIsNamed() throws {
        let file = try damagedCopy("svm") { json in
            var model = json["model"] as! [String: Any]
            model["coefficients"] = nil
            json["model"] = model
        }
        assertLoadFails(file, "\(file.path): an array file is missing from the record")
    }

    func testOneDimensionalCoefficientsAreRefused() throws {
        let file = try damagedCopy("logreg") { _ in }
        try NPYArray(float32: [1, 2, 3], shape: [3]).write(to: dir.appendingPathComponent("logreg.coef.npy"))
        assertLoadFails(file, "logreg.coef.npy: expected a 2-D array, found shape [3]")
    }

    func testMissingArrayFileIsADamagedFile() throws {
        let file = try damagedCopy("logreg") { _ in }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("logreg.pca.npy"))
        assertLoadFails(file, prefix: "\(file.path): damaged classifier file (\(dir.appendingPathComponent("logreg.pca.npy").path): cannot read")
    }

    func testShapesThatDoNotFitAreADamagedFile() throws {
        let file = try damagedCopy("logreg") { json in
            var scaler = json["scaler"] as! [String: Any]
            scaler["scale"] = [1.0, 2.0]
            json["scaler"] = scaler
        }
        assertLoadFails(file, "\(file.path): damaged classifier file (standardisation: 6 means but 2 scales)")
    }

    func testMissingNeighbourLabelsAreNamed() throws {
        let file = try damagedCopy("knn") { json in
            var model = json["model"] as! [String: Any]
            model["trainingLabels"] = nil
            json["model"] = model
        }
        assertLoadFails(file, "\(file.path): k-NN training labels are missing")
    }

    func testNeighbourLabelsThatAreNotIntegersAreNamed() throws {
        let file = try damagedCopy("knn") { _ in }
        let labels = dir.appendingPathComponent("knn.train-labels.npy")
        try NPYArray(float32: [Float](repeating: .nan, count: 36), shape: [36]).write(to: labels)
        assertLoadFails(file, "\(labels.path): element 0 is nan, not an integer")
    }

    func testNeighbourLabelsThatDoNotFitTheRowsAreADamagedFile() throws {
        let file = try damagedCopy("knn") { _ in }
        try NPYArray(int32: [0, 1], shape: [2]).write(to: dir.appendingPathComponent("knn.train-labels.npy"))
        assertLoadFails(file, "\(file.path): damaged classifier file (2 labels for 36 feature rows)")
    }

    // MARK: - Helpers

    /// The fixture `stem`'s files copied into `dir`, its JSON edited by `edit`.
    private func damagedCopy(_ stem: String, _ edit: (inout [String: Any]) -> Void) throws -> URL {
        for name in try files(of: stem, in: Self.fixtures) {
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        let file = dir.appendingPathComponent("\(stem).json")
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        edit(&json)
        try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]).write(to: file)
        return file
    }

    private func files(of stem: String, in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("\(stem).") }.sorted()
    }

    private func assertLoadFails(_ file: URL, _ message: String? = nil, prefix: String? = nil, line: UInt = #line) {
        XCTAssertThrowsError(try ClassifierFile.load(file), line: line) { error in
            if let message { XCTAssertEqual("\(error)", message, line: line) }
            if let prefix { XCTAssertTrue("\(error)".hasPrefix(prefix), "\(error)", line: line) }
        }
    }

    /// Three small fits on fixed numbers (36 rows, 6 features, 3 classes) that between them use
    /// every field of the format: standardisation, whitened PCA, `--C auto`'s curve, an SVM stopped
    /// at its iteration limit (a warning), k-NN with its training rows and labels.
    static func writeFixtures(to folder: URL) throws {
        var random = SplitMix64(seed: 12)
        let rows = 36, cols = 6
        var values: [Float] = []
        var labels: [Int] = []
        for row in 0..<rows {
            let label = row % 3
            labels.append(label)
            for col in 0..<cols { values.append(random.uniform() + (col % 3 == label ? 1.5 : 0)) }
        }
        let x = Matrix(rows: rows, cols: cols, values: values)
        let identity = StoreIdentity(model: "efficientnet_lite0", weightsSHA256: String(repeating: "ab", count: 32),
                                     preprocessing: .object(["recipe": .string("fixture")]), pool: "avg", dtype: .float32, dim: cols)
        var logreg = ProbeSettings(kind: .logreg)
        logreg.c = nil
        logreg.classWeight = .balanced
        logreg.pcaComponents = 4
        logreg.whiten = true
        var svm = ProbeSettings(kind: .svm)
        svm.c = 0.5
        svm.maxIterations = 1
        var knn = ProbeSettings(kind: .knn)
        knn.k = 3
        knn.metric = .cosine
        knn.neighborWeights = .distance
        knn.pcaComponents = 3
        for (stem, settings) in [("logreg", logreg), ("svm", svm), ("knn", knn)] {
            // As `probe fit-*` saves them (Fitting.fit): the logistic regression with its objective recorded.
            let probe = try TrainedProbe.fit(x: x, y: labels, settings: settings, recordObjective: true)
            let training = try JSONDecoder().decode(ClassifierFile.TrainingRecord.self, from: Data("""
                {"featuresPath": "features/train", "trainRows": \(rows), "validationRows": 9, "validationAccuracy": 0.75,
                 "predictionsFile": "predictions/\(stem).json"}
                """.utf8))
            try ClassifierFile(url: folder.appendingPathComponent("\(stem).json"), probe: probe, classes: ["cat", "dog", "fox"],
                               features: identity, training: training).save()
        }
    }
}
