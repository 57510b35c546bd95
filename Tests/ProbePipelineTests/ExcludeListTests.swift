import Foundation
import XCTest
import ProbeClassifiers
import ProbePipeline

/// `--exclude FILE`: how the list is read and matched, and that fit and cv leave the named rows out.
final class ExcludeListTests: XCTestCase {
    func write(_ text: String, in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent("exclude.txt")
        try Data(text.utf8).write(to: url)
        return url
    }

    func testCommentsBlankLinesCRLFAndDotSlashAreHandled() throws {
        let dir = try temporaryDirectory("exclude-read")
        defer { try? FileManager.default.removeItem(at: dir) }
        let list = try ExcludeList.read(try write("# dropped by doctor\n\ncat/1.jpg\r\n  # indented comment\n./dog/2.jpg\n   \ndog/with space .jpg\n", in: dir))
        XCTAssertEqual(list.entries, ["cat/1.jpg", "./dog/2.jpg", "dog/with space .jpg"])
        let match = list.match(paths: ["cat/0.jpg", "cat/1.jpg", "dog/2.jpg", "dog/with space .jpg", "dog/3.jpg"], root: nil)
        XCTAssertEqual(match.kept, [0, 4])
        XCTAssertEqual(match.excluded, [1, 2, 3])
        XCTAssertEqual(match.unmatched, [])
    }

    func testAbsolutePathsCountUnderTheRootAndUnknownPathsAreReportedNotFatal() throws {
        let dir = try temporaryDirectory("exclude-abs")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("photos")
        let list = try ExcludeList.read(try write("\(root.path)/cat/1.jpg\n/elsewhere/cat/0.jpg\ncat/missing.jpg\n\(root.path)/../photos/dog/2.jpg\n", in: dir))
        let match = list.match(paths: ["cat/0.jpg", "cat/1.jpg", "dog/2.jpg"], root: root)
        XCTAssertEqual(match.excluded, [1, 2])
        XCTAssertEqual(match.unmatched, ["/elsewhere/cat/0.jpg", "cat/missing.jpg"])
        let warning = try XCTUnwrap(list.unmatchedWarning(match, in: "the dataset photos"))
        XCTAssertTrue(warning.hasPrefix("2 of the 4 paths in \(dir.path)/exclude.txt are not in the dataset photos (/elsewhere/cat/0.jpg and 1 more)"), warning)
        // Without a known root (a store made before roots were recorded), absolute paths match nothing.
        XCTAssertEqual(list.match(paths: ["cat/1.jpg"], root: nil).excluded, [])
    }

    func testUnreadableListIsAOneLineErrorNamingTheFile() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/exclude.txt")
        XCTAssertThrowsError(try ExcludeList.read(missing)) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("/nonexistent/exclude.txt: cannot read the exclude list"), "\(error)")
        }
        let dir = try temporaryDirectory("exclude-binary")
        defer { try? FileManager.default.removeItem(at: dir) }
        let binary = dir.appendingPathComponent("list.bin")
        try Data([0x63, 0xFF, 0xFE, 0x0A]).write(to: binary)
        XCTAssertThrowsError(try ExcludeList.read(binary)) { error in
            XCTAssertEqual(String(describing: error), "\(binary.path): the exclude list is not UTF-8 text")
        }
    }

    func testCrossValidationLeavesTheListedRowsOut() throws {
        let dir = try temporaryDirectory("exclude-cv")
        defer { try? FileManager.default.removeItem(at: dir) }
        let feats = dir.appendingPathComponent("feats")
        try makeBlobStore(at: feats, classes: ["a", "b", "c"], perClass: [17, 23, 11])
        // All of class c and two rows of a.
        let names = (0..<11).map { "c/\($0).jpg" } + ["a/0.jpg", "a/5.jpg", "a/nope.jpg"]
        let list = try ExcludeList.read(try write(names.joined(separator: "\n"), in: dir))
        let outcome = try CrossValidation.run(features: feats, settings: ProbeSettings(kind: .logreg), folds: 5, exclude: list)
        XCTAssertEqual(outcome.summary.outOfFold.confusionMatrix.support, [15, 23, 0])
        XCTAssertEqual(outcome.summary.folds.map(\.testCount).reduce(0, +), 38)
        XCTAssertEqual(outcome.excludedRows, 13)
        XCTAssertTrue(outcome.warnings.contains { $0.hasPrefix("1 of the 14 paths") && $0.contains("(a/nope.jpg)") }, "\(outcome.warnings)")
    }

    func testFitLeavesTheListedRowsOutAndRefusesWhenOneClassRemains() throws {
        let dir = try temporaryDirectory("exclude-fit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let feats = dir.appendingPathComponent("feats")
        try makeBlobStore(at: feats, classes: ["a", "b"], perClass: [20, 20])
        var request = FitRequest(features: feats, settings: ProbeSettings(kind: .knn))
        request.workingDirectory = dir
        request.exclude = try ExcludeList.read(try write("a/1.jpg\nb/2.jpg\nb/3.jpg\nb/4.jpg\n", in: dir))
        let outcome = try Fitting.run(request)
        XCTAssertEqual(outcome.trainRows + outcome.validationRows, 36)
        XCTAssertEqual(outcome.excludedRows, 4)
        XCTAssertEqual(outcome.warnings, [])
        // The evaluation rows hold none of the excluded paths.
        let predictions = try String(contentsOf: try XCTUnwrap(outcome.predictionsFile), encoding: .utf8)
        for path in ["a/1.jpg", "b/2.jpg", "b/3.jpg", "b/4.jpg"] { XCTAssertFalse(predictions.contains("\"\(path)\""), path) }

        request.exclude = try ExcludeList.read(try write((0..<20).map { "b/\($0).jpg" }.joined(separator: "\n"), in: dir))
        XCTAssertThrowsError(try Fitting.run(request)) { error in
            XCTAssertTrue(String(describing: error).contains("only one class has rows (a)"), "\(error)")
        }
    }
}
