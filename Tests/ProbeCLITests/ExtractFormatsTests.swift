import Foundation
import XCTest
import ProbeStore
import ProbeTestSupport

/// `probe extract` over a folder mixing every format Probe reads (every committed sample of
/// Tests/Fixtures/formats plus a JPEG and a PNG), with damaged files of each new format beside them.
final class ExtractFormatsTests: XCTestCase {
    func testMixedFormatFolderEmbedsEveryFileAndNamesEachDamagedOne() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let samples = TestPaths.fixture("formats")
        let data = try ExtractTestSupport.temporaryFolder(self, "formats-data")
        var good: Set<String> = []
        func add(_ source: URL, as relative: String) throws {
            let target = data.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source, to: target)
        }
        // One class per container family; every sample, whatever its variant.
        let classOf = ["bmp": "bmp", "gif": "gif", "webp": "webp", "tif": "tiff", "ppm": "pnm", "pgm": "pnm", "pbm": "pnm"]
        for name in try FileManager.default.contentsOfDirectory(atPath: samples.path).sorted() {
            guard let family = classOf[String(name.split(separator: ".").last!)] else { continue }
            try add(samples.appendingPathComponent(name), as: "\(family)/\(name)")
            good.insert("\(family)/\(name)")
        }
        try add(ExtractTestSupport.petsMini.appendingPathComponent("cat/" + (try FileManager.default.contentsOfDirectory(atPath: ExtractTestSupport.petsMini.appendingPathComponent("cat").path).sorted().first!)), as: "jpeg/photo.jpg")
        try add(TestPaths.fixture("images/rgb8_adam7.png"), as: "png/adam7.png")
        good.formUnion(["jpeg/photo.jpg", "png/adam7.png"])
        XCTAssertGreaterThanOrEqual(good.count, 52)

        // Damaged files: what each must be named for.
        func bytes(_ file: String) throws -> Data { try Data(contentsOf: samples.appendingPathComponent(file)) }
        var damaged: [String: String] = [:]
        func addDamaged(_ relative: String, _ content: Data, reason: String) throws {
            try content.write(to: data.appendingPathComponent(relative))
            damaged[relative] = reason
        }
        try addDamaged("gif/cut.gif", try bytes("gif_palette.gif").prefix(200), reason: "cannot decode GIF")
        try addDamaged("webp/cut.webp", try bytes("webp_lossy.webp").prefix(120), reason: "cannot decode WebP")
        try addDamaged("tiff/cut.tif", try bytes("tiff_rgb_lzw.tif").prefix(300), reason: "cannot decode TIFF")
        try addDamaged("pnm/cut.ppm", try bytes("pnm_rgb.ppm").prefix(1000), reason: "cannot decode PNM")
        var bmp = try bytes("bmp_rgb24.bmp")
        bmp.replaceSubrange(18..<26, with: [0x40, 0x0D, 0x03, 0x00, 0x40, 0x0D, 0x03, 0x00])  // 200000 x 200000
        try addDamaged("bmp/huge.bmp", bmp, reason: "over the limit")
        var gif = try bytes("gif_palette.gif")
        gif[0] = UInt8(ascii: "J")
        try addDamaged("gif/wrong_magic.gif", gif, reason: "not an image")

        let store = try ExtractTestSupport.temporaryFolder(self, "formats-store")
        let result = try runProbe(ExtractTestSupport.extractArguments(data: data, out: store, weights: weights) + ["--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let rows = try StoreRows(store)
        XCTAssertEqual(Set(rows.paths), good, "missing: \(good.subtracting(rows.paths).sorted()), extra: \(Set(rows.paths).subtracting(good).sorted())")
        XCTAssertEqual(rows.paths.count, good.count)

        var reasons: [String: String] = [:]
        let errors = (try? String(contentsOf: store.appendingPathComponent("errors.jsonl"), encoding: .utf8)) ?? ""
        for line in errors.split(separator: "\n") {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            reasons[try XCTUnwrap(object["path"] as? String)] = try XCTUnwrap(object["reason"] as? String)
        }
        XCTAssertEqual(Set(reasons.keys), Set(damaged.keys), errors)
        for (path, word) in damaged {
            XCTAssertTrue(reasons[path]?.contains(word) == true, "\(path): \(reasons[path] ?? "no error") should mention \(word)")
        }
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(summary["rows"] as? Int, good.count)
        XCTAssertEqual(summary["skipped"] as? Int, damaged.count)

        // The pixels made it through: files Pillow decodes to the same RGB give the same embedding.
        func embedding(_ path: String) throws -> Data { rows.embeddings[try XCTUnwrap(rows.paths.firstIndex(of: path), path)] }
        let rgb = try embedding("tiff/tiff_rgb.tif")
        for path in ["bmp/bmp_rgb24.bmp", "bmp/bmp_rgb24_topdown.bmp", "tiff/tiff_rgb_lzw.tif", "tiff/tiff_rgb_planar.tif",
                     "pnm/pnm_rgb.ppm", "webp/webp_lossless.webp"] {
            XCTAssertEqual(try embedding(path), rgb, path)
        }
        XCTAssertNotEqual(try embedding("webp/webp_lossy.webp"), rgb)
    }
}
