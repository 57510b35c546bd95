import Foundation
import XCTest
import ProbeStore
import ProbeTestSupport

/// `probe extract` over shared/datasets/badinputs (broken, odd and hostile files laid out as a
/// dataset; see its README.md) finishes, embeds what decodes, and lists every other file in
/// errors.jsonl with its reason.
final class ExtractBadInputsTests: XCTestCase {
    /// README.md: "decode" files (Probe recurses inside a class, so the nested one counts).
    private let mustDecode: Set<String> = [
        "a/ok_baseline.jpg", "a/png_named_as.jpg", "a/jpeg_named_as.png", "a/grayscale.jpg", "a/cmyk.jpg",
        "a/progressive.jpg", "a/exif_orientation_6.jpg",
        "b/ok_baseline.jpg", "b/rgb_16bit.png", "b/rgba_alpha.png", "b/palette_64colors.png", "b/one_pixel_1x1.jpg",
        "b/very_wide_4000x50.jpg", "b/nested_subfolder/inside_nested.jpg",
        // "photo with spaces – ünïcødé 猫.jpg", spelt as NFC scalars so the source file's own encoding cannot matter.
        "b/photo with spaces \u{2013} \u{00FC}n\u{00EF}c\u{00F8}d\u{00E9} \u{732B}.jpg",
        // Probe documents GIF (first frame) and WebP support, which the README then counts as decode.
        "b/animated.gif", "b/image.webp",
    ]
    /// README.md: files that get a per-file error.
    private let mustSkip: Set<String> = ["a/empty_0_bytes.jpg", "a/text_file.jpg"]
    /// Either outcome is allowed by the README.
    private let either = "a/truncated_40pct.jpg"

    func testBadInputsFinishWithDecodableRowsAndOneErrorLinePerBadFile() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let root = TestPaths.sharedDatasets.appendingPathComponent("badinputs")
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("README.md").path) else {
            throw MissingPrerequisite("\(root.path) not found; set PROBE_SHARED_DATASETS")
        }
        let store = try ExtractTestSupport.temporaryFolder(self, "badinputs")
        let result = try runProbe(ExtractTestSupport.extractArguments(data: root, out: store, weights: weights) + ["--json"])
        XCTAssertEqual(result.status, 0, result.stderr)

        let rows = try StoreRows(store)
        let stored = Set(rows.paths)
        XCTAssertEqual(stored.count, rows.paths.count, "duplicate rows")
        XCTAssertTrue(mustDecode.isSubset(of: stored), "not embedded: \(mustDecode.subtracting(stored).sorted())")

        let errorLines = try String(contentsOf: store.appendingPathComponent("errors.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        var errorPaths: [String] = []
        for line in errorLines {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], line)
            let path = try XCTUnwrap(object["path"] as? String, line)
            let reason = try XCTUnwrap(object["reason"] as? String, line)
            XCTAssertFalse(reason.isEmpty, "\(path): empty reason")
            errorPaths.append(path)
        }
        XCTAssertEqual(Set(errorPaths).count, errorPaths.count, "a file is listed twice in errors.jsonl: \(errorPaths)")
        XCTAssertTrue(mustSkip.isSubset(of: Set(errorPaths)), "no error line for \(mustSkip.subtracting(errorPaths).sorted())")
        XCTAssertTrue(stored.isDisjoint(with: errorPaths), "a file is both a row and an error: \(stored.intersection(errorPaths))")
        XCTAssertTrue(stored.contains(either) != errorPaths.contains(either), "\(either) must be a row or an error, once")

        // Every file of the dataset except the hidden .DS_Store (and the README at the root) is
        // accounted for exactly once: the README's tally of 15 plus the GIF and the WebP (one more if
        // the truncated JPEG decodes).
        let everyFile = Set(mustDecode).union(mustSkip).union([either])
        XCTAssertEqual(stored.union(errorPaths), everyFile)
        XCTAssertEqual(rows.paths.count, stored.contains(either) ? 18 : 17)
        XCTAssertFalse(stored.union(errorPaths).contains { $0.contains(".DS_Store") || $0.contains("README") })

        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(summary["rows"] as? Int, rows.paths.count)
        XCTAssertEqual(summary["skipped"] as? Int, errorPaths.count)
    }

    func testUnicodeFileNameSurvivesByteForByteInIndex() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let root = TestPaths.sharedDatasets.appendingPathComponent("badinputs")
        guard FileManager.default.fileExists(atPath: root.path) else { throw MissingPrerequisite("\(root.path) not found; set PROBE_SHARED_DATASETS") }
        let name = "b/photo with spaces \u{2013} \u{00FC}n\u{00EF}c\u{00F8}d\u{00E9} \u{732B}.jpg"
        // Only b's control file and the unicode one, so the test is quick.
        let data = try ExtractTestSupport.temporaryFolder(self, "unicode-data")
        try FileManager.default.createDirectory(at: data.appendingPathComponent("b"), withIntermediateDirectories: true)
        for path in [name, "b/ok_baseline.jpg"] {
            try FileManager.default.copyItem(at: root.appendingPathComponent(path), to: data.appendingPathComponent(path))
        }
        let store = try ExtractTestSupport.temporaryFolder(self, "unicode-store")
        _ = try ExtractTestSupport.extractJSON(ExtractTestSupport.extractArguments(data: data, out: store, weights: weights))

        // Swift's == on String ignores normalisation; compare the UTF-8 bytes, as written in index.jsonl.
        var found = false
        for file in try FileManager.default.contentsOfDirectory(atPath: store.path) where file.hasSuffix(".index.jsonl") {
            for line in try Data(contentsOf: store.appendingPathComponent(file)).split(separator: 0x0A) {
                let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
                let path = try XCTUnwrap(object["path"] as? String)
                if path.hasPrefix("b/photo") {
                    XCTAssertEqual(Array(path.utf8), Array(name.utf8), "the name changed on its way into index.jsonl")
                    // Written unescaped (ensure_ascii=False), so grep and numpy users see the name itself.
                    XCTAssertNotNil(Data(line).range(of: Data(name.utf8)), "index line does not hold the name as UTF-8")
                    found = true
                }
            }
        }
        XCTAssertTrue(found, "no row for the unicode file")
        XCTAssertEqual(try FeatureStore(directory: store).paths.map { Array($0.utf8) }.contains(Array(name.utf8)), true)
    }
}
