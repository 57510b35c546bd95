import Foundation
import XCTest
import ProbeStore
import ProbeTestSupport

/// `--exclude FILE` on extract, fit-logreg/svm/knn and cv: a run with a list gives what the same
/// run gives on a copy of the dataset without the listed photos, and nothing is copied or deleted.
final class ExcludeCommandsTests: XCTestCase {
    /// 6 cats and 6 dogs of pets-mini, copied so a "cleaned" copy can be made beside it.
    private func makeDataset(_ name: String, leaving out: Set<String> = []) throws -> URL {
        let root = try ExtractTestSupport.temporaryFolder(self, name)
        for label in ["cat", "dog"] {
            let source = ExtractTestSupport.petsMini.appendingPathComponent(label)
            try FileManager.default.createDirectory(at: root.appendingPathComponent(label), withIntermediateDirectories: true)
            let names = try FileManager.default.contentsOfDirectory(atPath: source.path).filter { $0.hasSuffix(".jpg") }.sorted()
            for name in names.prefix(6) where !out.contains("\(label)/\(name)") {
                try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: root.appendingPathComponent("\(label)/\(name)"))
            }
        }
        return root
    }

    private func listedPaths(_ root: URL) throws -> [String] {
        try ["cat", "dog"].flatMap { label in
            try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(label).path).sorted().map { "\(label)/\($0)" }
        }
    }

    func testExtractLeavesListedFilesOutAndARerunWithAnotherListFollowsIt() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let root = try makeDataset("exclude-extract-data")
        let paths = try listedPaths(root)
        let dir = try ExtractTestSupport.temporaryFolder(self, "exclude-extract")
        let list = dir.appendingPathComponent("drop.txt")
        // One relative path, one absolute path, a comment, and a path the dataset does not have.
        try Data("# from probe doctor\n\(paths[1])\n\(root.path)/\(paths[7])\ncat/not-there.jpg\n".utf8).write(to: list)
        let store = dir.appendingPathComponent("store")
        let arguments = ExtractTestSupport.extractArguments(data: root, out: store, weights: weights)

        let result = try runProbe(arguments + ["--exclude", list.path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("warning: 1 of the 3 paths in \(list.path) are not in the dataset \(root.path) (cat/not-there.jpg)"), result.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(summary["excluded"] as? Int, 2)
        XCTAssertEqual(summary["rows"] as? Int, 10)
        XCTAssertEqual(try FeatureStore(directory: store).paths, paths.enumerated().filter { ![1, 7].contains($0.offset) }.map(\.element))
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent(paths[1]).path), "the photo itself stays")

        // A store made the same way from a copy without those two photos has the same rows, bit for bit.
        let cleaned = try makeDataset("exclude-extract-clean", leaving: [paths[1], paths[7]])
        let cleanStore = dir.appendingPathComponent("clean-store")
        XCTAssertEqual(try runProbe(ExtractTestSupport.extractArguments(data: cleaned, out: cleanStore, weights: weights)).status, 0)
        XCTAssertEqual(try StoreRows(store).embeddings, try StoreRows(cleanStore).embeddings)

        // Rerun with another list: paths[1] comes back (embedded now), paths[2] goes (its row dropped).
        try Data("\(paths[2])\n\(paths[7])\n".utf8).write(to: list)
        let rerun = try ExtractTestSupport.extractJSON(arguments + ["--exclude", list.path])
        XCTAssertEqual(rerun["extracted"] as? Int, 1, "\(rerun)")
        XCTAssertEqual(rerun["dropped"] as? Int, 1, "\(rerun)")
        XCTAssertEqual(rerun["kept"] as? Int, 9, "\(rerun)")
        XCTAssertEqual(Set(try FeatureStore(directory: store).paths), Set(paths).subtracting([paths[2], paths[7]]))

        // Without the list every photo is in again.
        let all = try ExtractTestSupport.extractJSON(arguments)
        XCTAssertEqual(all["extracted"] as? Int, 2, "\(all)")
        XCTAssertNil(all["excluded"], "no --exclude, no key: \(all)")
        XCTAssertEqual(try FeatureStore(directory: store).rowCount, 12)
    }

    func testFitAndCVWithAListMatchARunOnAStoreWithoutThoseRows() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let root = try makeDataset("exclude-fit-data")
        let paths = try listedPaths(root)
        let dropped = [paths[0], paths[5], paths[9]]
        let dir = try ExtractTestSupport.temporaryFolder(self, "exclude-fit")
        let list = dir.appendingPathComponent("drop.txt")
        try Data((dropped.joined(separator: "\n") + "\n").utf8).write(to: list)
        let full = dir.appendingPathComponent("full"), clean = dir.appendingPathComponent("clean")
        XCTAssertEqual(try runProbe(ExtractTestSupport.extractArguments(data: root, out: full, weights: weights)).status, 0)
        XCTAssertEqual(try runProbe(ExtractTestSupport.extractArguments(data: root, out: clean, weights: weights, ["--exclude", list.path])).status, 0)

        let cvExcluded = try runProbe(["cv", full.path, "--folds", "3", "--exclude", list.path, "--json"])
        let cvClean = try runProbe(["cv", clean.path, "--folds", "3", "--json"])
        XCTAssertEqual(cvExcluded.status, 0, cvExcluded.stderr)
        XCTAssertEqual(cvClean.status, 0, cvClean.stderr)
        XCTAssertEqual(cvExcluded.stdout, cvClean.stdout)
        let cvText = try runProbe(["cv", full.path, "--folds", "3", "--exclude", list.path])
        XCTAssertTrue(cvText.stdout.contains("(3 rows left out by --exclude)"), cvText.stdout)

        for command in ["fit-logreg", "fit-svm", "fit-knn"] {
            let excluded = try runProbe([command, full.path, "--exclude", list.path, "--val-split", "0.25",
                                         "--out", dir.appendingPathComponent("\(command)-a.json").path], currentDirectory: dir)
            let cleaned = try runProbe([command, clean.path, "--val-split", "0.25",
                                        "--out", dir.appendingPathComponent("\(command)-b.json").path], currentDirectory: dir)
            XCTAssertEqual(excluded.status, 0, excluded.stderr)
            XCTAssertEqual(cleaned.status, 0, cleaned.stderr)
            // Same rows, same split, same classifier: the same row counts and evaluation, line for line.
            let trainedLine = try XCTUnwrap(cleaned.stdout.split(separator: "\n").first { $0.hasPrefix("trained on") })
            XCTAssertTrue(excluded.stdout.contains("\(trainedLine) (3 left out by --exclude)\n"), "\(command): \(excluded.stdout)")
            func evaluation(_ text: String) -> [Substring] {
                text.split(separator: "\n").filter { !$0.hasPrefix("classifier:") && !$0.hasPrefix("predictions:") && !$0.hasPrefix("trained on") }
            }
            XCTAssertEqual(evaluation(excluded.stdout), evaluation(cleaned.stdout), command)
        }
    }
}
