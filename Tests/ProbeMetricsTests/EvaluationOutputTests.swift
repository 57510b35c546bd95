import XCTest
import ProbeTestSupport
import ProbeMetrics

/// JSON and CSV renderings of an evaluation.
final class EvaluationOutputTests: XCTestCase {
    func testJSONCarriesSklearnNumbersUnderThePromisedKeys() throws {
        let c = try XCTUnwrap(SklearnFixture.load().named("five_class"))
        let evaluation = try Evaluation(trueLabels: c.y_true, predictedLabels: c.y_pred, classes: c.classes, probabilities: c.probabilities)
        let object = try JSONSerialization.jsonObject(with: Data(evaluation.json.serialized().utf8)) as! [String: Any]
        XCTAssertEqual(object["accuracy"] as! Double, c.averages.micro[2])
        XCTAssertEqual((object["macro_avg"] as! [String: Any])["f1"] as! Double, c.averages.macro[2])
        XCTAssertEqual((object["weighted_avg"] as! [String: Any])["precision"] as! Double, c.averages.weighted[0])
        let perClass = object["per_class"] as! [String: [String: Any]]
        XCTAssertEqual(perClass["roses"]?["recall"] as? Double, c.recall[2])
        XCTAssertEqual(perClass["roses"]?["support"] as? Int, c.support[2])
        XCTAssertEqual(object["confusion_matrix"] as! [[Int]], c.confusion_matrix)
        XCTAssertEqual(object["classes"] as! [String], c.classes)
        let topK = object["top_k_accuracy"] as! [String: Double]
        XCTAssertEqual(topK["1"], c.top_k_accuracy?["1"])
        XCTAssertEqual(topK["5"], 1.0)  // 5 classes: top-5 always hits
        XCTAssertEqual(object["log_loss"] as! Double, c.log_loss!, accuracy: 1e-12)
    }

    func testJSONWithoutProbabilitiesHasNullTopKAndLogLoss() throws {
        let evaluation = try Evaluation(trueLabels: [0, 1, 1], predictedLabels: [0, 1, 0], classes: ["a", "b"])
        let text = evaluation.json.serialized()
        XCTAssertTrue(text.contains("\"top_k_accuracy\": null"), text)
        XCTAssertTrue(text.contains("\"log_loss\": null"), text)
    }

    func testJSONKeepsCanonicallyEqualClassNamesApart() throws {
        let c = try XCTUnwrap(SklearnFixture.load().named("unicode_names"))
        let evaluation = try Evaluation(trueLabels: c.y_true, predictedLabels: c.y_pred, classes: c.classes)
        let text = evaluation.json.serialized()
        // Search bytes: String.contains would treat the two spellings as equal.
        func containsBytes(_ needle: String) -> Bool {
            let h = Array(text.utf8), n = Array(needle.utf8)
            return (0...(h.count - n.count)).contains { Array(h[$0..<($0 + n.count)]) == n }
        }
        XCTAssertTrue(containsBytes("\"caf\u{E9}\": {"))
        XCTAssertTrue(containsBytes("\"cafe\u{301}\": {"))
        XCTAssertEqual(text.components(separatedBy: "\"precision\"").count - 1, c.classes.count + 2)
    }

    func testCSVQuotesNamesWithCommasQuotesAndLineBreaks() throws {
        let classes = ["plain", "with, comma", "with \"quote\"", "line\nbreak", "日本"]
        let evaluation = try Evaluation(trueLabels: [0, 1, 2, 3, 4], predictedLabels: [0, 1, 2, 3, 4], classes: classes)
        let lines = evaluation.csv().components(separatedBy: "\r\n")
        XCTAssertEqual(lines[0], "class,precision,recall,f1,support")
        XCTAssertEqual(lines[1], "plain,1.0,1.0,1.0,1")
        XCTAssertEqual(lines[2], "\"with, comma\",1.0,1.0,1.0,1")
        XCTAssertEqual(lines[3], "\"with \"\"quote\"\"\",1.0,1.0,1.0,1")
        XCTAssertEqual(lines[4], "\"line\nbreak\",1.0,1.0,1.0,1")
        XCTAssertEqual(lines[5], "日本,1.0,1.0,1.0,1")
    }

    func testTextWithConfusionAppendsTheMatrixAfterTheSklearnReport() throws {
        let c = try XCTUnwrap(SklearnFixture.load().named("binary"))
        let evaluation = try Evaluation(trueLabels: c.y_true, predictedLabels: c.y_pred, classes: c.classes)
        let text = evaluation.text(digits: 2, includeConfusionMatrix: true)
        XCTAssertTrue(text.hasPrefix(c.report))
        let matrixPart = try XCTUnwrap(text.components(separatedBy: "confusion matrix").last)
        let rows = matrixPart.split(separator: "\n").dropFirst(2).map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(rows.map { $0.first }, ["cats", "dogs"])
        XCTAssertEqual(rows.map { $0.dropFirst().compactMap { Int($0) } }, c.confusion_matrix)
    }
}
