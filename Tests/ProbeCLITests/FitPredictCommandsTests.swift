import Foundation
import XCTest
import ProbeTestSupport

/// The user's path through the CLI with real photos and weights: extract --dataset, fit,
/// report from the current directory, predict on a folder of images.
final class FitPredictCommandsTests: XCTestCase {
    func testExtractFitReportPredictOnTheDefaultDataset() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let dir = try ExtractTestSupport.temporaryFolder(self, "fit-predict")
        let feats = dir.appendingPathComponent("feats")
        let env = ["PROBE_DATASETS_JSON": TestPaths.repoRoot.appendingPathComponent("datasets.json").path]

        let extract = try runProbe(["extract", "--dataset", "pets-mini", "--weights", weights.path, "--out", feats.path],
                                   currentDirectory: dir, environment: env)
        XCTAssertEqual(extract.status, 0, extract.stderr)
        XCTAssertTrue(extract.stdout.contains("100 rows"), extract.stdout)

        let fit = try runProbe(["fit-logreg", feats.path], currentDirectory: dir)
        XCTAssertEqual(fit.status, 0, fit.stderr)
        XCTAssertTrue(fit.stdout.contains("trained on 80 rows; evaluated on 20"), fit.stdout)

        // A bare report finds the fit just made in this directory.
        let report = try runProbe(["report", "--confusion"], currentDirectory: dir)
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(report.stdout.hasPrefix("              precision    recall  f1-score   support\n"), report.stdout)
        XCTAssertTrue(report.stdout.contains("true \\ predicted  cat  dog"), report.stdout)

        let cats = ExtractTestSupport.petsMini.appendingPathComponent("cat")
        let predict = try runProbe(["predict", "--classifier", feats.appendingPathComponent("models/logreg.json").path,
                                    "--weights", weights.path, "--csv", cats.path])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        let rows = predict.stdout.split(whereSeparator: \.isNewline).dropFirst()
        XCTAssertEqual(rows.count, 50, predict.stderr)
        let predictedCat = rows.filter { $0.split(separator: ",")[1] == "cat" }.count
        XCTAssertGreaterThanOrEqual(predictedCat, 45, predict.stdout)
    }

    func testPredictRefusesOtherWeightsThanTheTrainingFeatures() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let dir = try ExtractTestSupport.temporaryFolder(self, "predict-weights")
        let feats = dir.appendingPathComponent("feats")
        let subset = dir.appendingPathComponent("data")
        for cls in ["cat", "dog"] {
            try FileManager.default.createDirectory(at: subset.appendingPathComponent(cls), withIntermediateDirectories: true)
            let files = try FileManager.default.contentsOfDirectory(atPath: ExtractTestSupport.petsMini.appendingPathComponent(cls).path).sorted().prefix(6)
            for f in files {
                try FileManager.default.copyItem(at: ExtractTestSupport.petsMini.appendingPathComponent("\(cls)/\(f)"),
                                                 to: subset.appendingPathComponent("\(cls)/\(f)"))
            }
        }
        XCTAssertEqual(try runProbe(["extract", "--data", subset.path, "--weights", weights.path, "--out", feats.path]).status, 0)
        XCTAssertEqual(try runProbe(["fit-knn", feats.path, "--k", "3"], currentDirectory: dir).status, 0)
        // A copy of the weights with one byte changed is other weights.
        let other = dir.appendingPathComponent("other.pth")
        var bytes = try Data(contentsOf: weights)
        bytes[bytes.count - 1] ^= 0x01
        try bytes.write(to: other)
        let result = try runProbe(["predict", "--classifier", feats.appendingPathComponent("models/knn.json").path,
                                   "--weights", other.path, subset.appendingPathComponent("cat").path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("not that of the weights the classifier was trained with"), result.stderr)
    }
}
