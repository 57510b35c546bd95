import Foundation
import ProbeTestSupport
import XCTest

/// `probe scan` as a user runs it (the release binary).
final class ScanCommandTests: XCTestCase {
    func testScanPrintsClassesCountsSkippedFilesAndWarnings() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("probe-scan-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for path in ["dog/1.jpg", "dog/sub/2.JPEG", "cat/a.png", "cat/notes.txt", "cat/.DS_Store", "empty/.keep"] {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data([1]).write(to: url)
        }
        let result = try runProbe(["scan", root.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, """
            dataset: \(root.standardizedFileURL.path)
            formats: JPEG, PNG, BMP, GIF (first frame), WebP, TIFF (first page), PPM/PGM/PBM
            classes: 3
              0  cat    1 images
              1  dog    2 images
              2  empty  0 images
            total: 3 images
            skipped: 1 files
              cat/notes.txt: unsupported file type '.txt' (expected .jpg, .jpeg, .png, .bmp, .gif, .webp, .tif, .tiff, .ppm, .pgm, .pbm or .pnm)
            warning: class 'empty' has no images

            """)
    }

    func testScanWithDecodeListsEveryBadInputWithItsReason() throws {
        let badinputs = TestPaths.sharedDatasets.appendingPathComponent("badinputs")
        guard FileManager.default.fileExists(atPath: badinputs.path) else { throw MissingPrerequisite("no shared datasets at \(badinputs.path)") }
        let result = try runProbe(["scan", badinputs.path, "--decode"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("total: 20 images, 17 decodable"), result.stdout)
        for line in ["  a/empty_0_bytes.jpg: empty file", "  a/text_file.jpg: not an image", "  a/truncated_40pct.jpg: "] {
            XCTAssertTrue(result.stdout.contains(line), "missing \(line) in\n\(result.stdout)")
        }
        // The GIF and the WebP decode since GIF/WebP support (the README allows it once documented).
        for name in ["b/animated.gif", "b/image.webp"] { XCTAssertFalse(result.stdout.contains("  \(name): "), result.stdout) }
        XCTAssertTrue(result.stdout.contains("skipped: 3 files"), result.stdout)
    }

    func testMissingFolderIsOneErrorLine() throws {
        let result = try runProbe(["scan", "/nonexistent/probe-dataset"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("/nonexistent/probe-dataset: dataset folder not found"), result.stderr)
    }
}
