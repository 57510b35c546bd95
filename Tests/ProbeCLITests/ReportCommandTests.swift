import Foundation
import XCTest
import ProbeTestSupport

/// `probe report` end to end: the built binary reads a predictions file and prints what sklearn prints.
final class ReportCommandTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("probe-report-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func fixtureCase(_ name: String) throws -> SklearnCase {
        try XCTUnwrap(SklearnFixture.load().named(name))
    }

    /// Writes the case as a predictions file in the documented format (labels by name).
    @discardableResult
    func writePredictions(_ c: SklearnCase, to url: URL) throws -> URL {
        var rows: [[String: Any]] = []
        for i in 0..<c.y_true.count {
            var row: [String: Any] = ["path": "img\(i).jpg", "true_label": c.classes[c.y_true[i]], "predicted_label": c.classes[c.y_pred[i]]]
            if let p = c.probabilities { row["probabilities"] = p[i] }
            rows.append(row)
        }
        let object: [String: Any] = ["format": "probe-predictions", "version": 1, "classes": c.classes,
                                     "source": ["model": "efficientnet_lite0", "classifier": "logreg"], "rows": rows]
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        return url
    }

    func testTextIsSklearnClassificationReportCharacterForCharacter() throws {
        for name in ["binary", "never_predicted_and_absent", "long_names", "unicode_names"] {
            let c = try fixtureCase(name)
            let file = try writePredictions(c, to: folder.appendingPathComponent("\(name).json"))
            let result = try runProbe(["report", file.path, "--digits", String(c.digits)])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(Array(result.stdout.utf8), Array(c.report.utf8), "\(name):\n\(result.stdout)")
        }
    }

    func testDigitsFourAndConfusionMatrixWithNamesOnBothAxes() throws {
        let c = try fixtureCase("binary_digits4")
        let file = try writePredictions(c, to: folder.appendingPathComponent("p.json"))
        let result = try runProbe(["report", file.path, "--digits", "4", "--confusion"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix(c.report), result.stdout)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let header = try XCTUnwrap(lines.first { $0.hasPrefix("true \\ predicted") })
        XCTAssertEqual(header.split(separator: " ").suffix(2), ["cats", "dogs"])
        let catsRow = try XCTUnwrap(lines.last { $0.trimmingCharacters(in: .whitespaces).hasPrefix("cats") })
        XCTAssertEqual(catsRow.split(separator: " ").dropFirst().map { Int($0)! }, c.confusion_matrix[0])
    }

    func testBareReportUsesTheFolderMostRecentFit() throws {
        let c = try fixtureCase("five_class")
        let models = folder.appendingPathComponent("feats/models")
        try writePredictions(c, to: models.appendingPathComponent("logreg.predictions.json"))
        try Data("{}".utf8).write(to: models.appendingPathComponent("logreg.json"))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(".probe"), withIntermediateDirectories: true)
        try Data((models.appendingPathComponent("logreg.json").path + "\n").utf8).write(to: folder.appendingPathComponent(".probe/last-fit"))
        let result = try runProbe(["report", "--confusion"], currentDirectory: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix(c.report), result.stdout)
        XCTAssertTrue(result.stdout.contains("top-1 accuracy"), result.stdout)
    }

    func testBareReportWithoutAnyFitTellsTheUserToRunAFit() throws {
        let result = try runProbe(["report"], currentDirectory: folder)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("run a fit first"), result.stderr)
    }

    func testJSONAndCSVOutputs() throws {
        let c = try fixtureCase("five_class")
        let file = try writePredictions(c, to: folder.appendingPathComponent("p.json"))
        let json = try runProbe(["report", file.path, "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["confusion_matrix"] as? [[Int]], c.confusion_matrix)
        XCTAssertEqual(object["classes"] as? [String], c.classes)
        XCTAssertNotNil(object["log_loss"] as? Double)
        XCTAssertEqual((object["top_k_accuracy"] as? [String: Double])?.keys.sorted(), ["1", "5"])

        let csv = try runProbe(["report", file.path, "--csv"])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        let lines = csv.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertEqual(lines.first, "class,precision,recall,f1,support")
        XCTAssertEqual(lines.count, c.classes.count + 1)

        let both = try runProbe(["report", file.path, "--json", "--csv"])
        XCTAssertNotEqual(both.status, 0)
    }

    func testHTMLAndPNGFilesAreWritten() throws {
        let c = try fixtureCase("five_class")
        let file = try writePredictions(c, to: folder.appendingPathComponent("p.json"))
        let html = folder.appendingPathComponent("r.html"), png = folder.appendingPathComponent("cm.png")
        let result = try runProbe(["report", file.path, "--html", html.path, "--png", png.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let page = try String(contentsOf: html, encoding: .utf8)
        XCTAssertTrue(page.contains("id=\"confusion-matrix\"") && page.contains("id=\"misclassified\""))
        XCTAssertTrue(try Data(contentsOf: png).starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    func testUnreadablePredictionsGiveAOneLineErrorNamingTheFile() throws {
        let bad = folder.appendingPathComponent("broken.json")
        try Data("{not json".utf8).write(to: bad)
        let result = try runProbe(["report", bad.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("broken.json"), result.stderr)
        XCTAssertFalse(result.stderr.contains("Fatal error"), result.stderr)
    }
}

/// Real predictions: EfficientNet-Lite0 features of shared/datasets/cats_dogs, 20 % stratified hold-out,
/// written by reference/metrics_real_predictions.py together with sklearn's report.
final class ReportRealDataTests: XCTestCase {
    func testReportOnRealCatsDogsHoldOutEqualsSklearn() throws {
        let folder = TestPaths.fixture("metrics/real_cats_dogs")
        let expected = try String(contentsOf: folder.appendingPathComponent("sklearn_report.txt"), encoding: .utf8)
        let result = try runProbe(["report", folder.appendingPathComponent("predictions.json").path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix(expected), "probe:\n\(result.stdout)\nsklearn:\n\(expected)")
    }

    func testHTMLEmbedsTheRealMisclassifiedPhotos() throws {
        let images = TestPaths.sharedDatasets.appendingPathComponent("cats_dogs")
        guard FileManager.default.fileExists(atPath: images.path) else { throw MissingPrerequisite("shared datasets not present") }
        let predictions = TestPaths.fixture("metrics/real_cats_dogs/predictions.json")
        let html = FileManager.default.temporaryDirectory.appendingPathComponent("probe-real-\(UUID().uuidString).html")
        defer { try? FileManager.default.removeItem(at: html) }
        let result = try runProbe(["report", predictions.path, "--html", html.path, "--image-root", images.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let page = try String(contentsOf: html, encoding: .utf8)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: predictions)) as! [String: Any]
        let rows = object["rows"] as! [[String: Any]]
        let wrong = rows.filter { ($0["true_label"] as! String) != ($0["predicted_label"] as! String) }.count
        XCTAssertGreaterThan(wrong, 0)
        XCTAssertEqual(page.components(separatedBy: "src=\"data:image/jpeg;base64,").count - 1, wrong)
    }
}
