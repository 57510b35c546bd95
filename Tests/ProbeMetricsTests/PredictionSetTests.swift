import XCTest
import ProbeMetrics

final class PredictionSetTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("probe-predset-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func sample() -> PredictionSet {
        PredictionSet(classes: ["cat", "dog"],
                      source: .init(model: "efficientnet_lite0", weightsSHA256: "abc", classifier: "logreg",
                                    classifierParameters: ["C": "1.0"], features: "feats"),
                      rows: [.init(path: "cat/1.jpg", trueLabel: "cat", predictedLabel: "dog", probabilities: [0.3, 0.7]),
                             .init(path: "dog/2.jpg", trueLabel: "dog", predictedLabel: "dog", probabilities: [0.1, 0.9])])
    }

    func testSaveThenLoadRoundTrips() throws {
        let url = folder.appendingPathComponent("run/predictions.json")
        try sample().save(to: url)
        XCTAssertEqual(try PredictionSet.load(from: url), sample())
    }

    func testUnknownLabelIsAClearErrorNamingTheFile() throws {
        var set = sample()
        set.rows[0].predictedLabel = "horse"
        let url = folder.appendingPathComponent("bad.json")
        try set.save(to: url)
        XCTAssertThrowsError(try PredictionSet.load(from: url)) {
            XCTAssertTrue("\($0)".contains("bad.json") && "\($0)".contains("\"horse\""), "\($0)")
        }
    }

    func testNonPredictionJSONIsRejected() throws {
        let url = folder.appendingPathComponent("other.json")
        try Data("{\"hello\": 1}".utf8).write(to: url)
        XCTAssertThrowsError(try PredictionSet.load(from: url)) {
            XCTAssertTrue("\($0)".contains("not a predictions file"), "\($0)")
        }
    }
}
