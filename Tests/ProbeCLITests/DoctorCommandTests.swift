import Foundation
import XCTest
import ProbeTestSupport

/// `probe doctor` end to end with the real Lite0 weights on pets-mini plus injected copies: a
/// byte-identical photo filed under the other class, a same-class copy, and edited copies of
/// cat.1005 (JPEG quality 50, half size, mirror, greyscale, brightness ×1.3 — the committed
/// Tests/Fixtures/phash photos). Probe must find them all, say which signal found each pair, write
/// the exclude list, and write a page that Chromium opens with every thumbnail decoded.
final class DoctorCommandTests: XCTestCase {
    static let edits = ["jpeg50", "half", "mirror", "grey", "bright130"]
    nonisolated(unsafe) static var prepared: URL?

    /// The dataset and its store, made once for all tests of this class (extraction is the slow part).
    func store() throws -> (data: URL, feats: URL) {
        if let root = Self.prepared { return (root.appendingPathComponent("data"), root.appendingPathComponent("feats")) }
        let weights = try ExtractTestSupport.lite0Weights()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("probe-doctor-\(UUID().uuidString.prefix(8))")
        let data = root.appendingPathComponent("data"), feats = root.appendingPathComponent("feats")
        let fm = FileManager.default
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        try fm.copyItem(at: ExtractTestSupport.petsMini, to: data)
        try fm.copyItem(at: data.appendingPathComponent("cat/cat.1005.jpg"), to: data.appendingPathComponent("dog/copy_of_cat.1005.jpg"))
        try fm.copyItem(at: data.appendingPathComponent("dog/dog.1000.jpg"), to: data.appendingPathComponent("dog/again_dog.1000.jpg"))
        for edit in Self.edits {
            try fm.copyItem(at: TestPaths.fixture("phash/cat.1005.\(edit).jpg"), to: data.appendingPathComponent("cat/cat.1005.\(edit).jpg"))
        }
        let result = try runProbe(ExtractTestSupport.extractArguments(data: data, out: feats, weights: weights))
        XCTAssertEqual(result.status, 0, result.stderr)
        Self.prepared = root
        return (data, feats)
    }

    override class func tearDown() {
        if let root = prepared { try? FileManager.default.removeItem(at: root) }
        super.tearDown()
    }

    func doctorJSON(_ extra: [String] = []) throws -> [String: Any] {
        let (_, feats) = try store()
        let result = try runProbe(["doctor", feats.path, "--json"] + extra)
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    static func path(_ side: Any?) -> String { ((side as? [String: Any])?["path"] as? String) ?? "" }

    func testFindsTheCrossClassCopyTheSameClassCopyAndEveryEditedCopy() throws {
        let json = try doctorJSON()
        XCTAssertEqual(Set(json.keys), ["exact_duplicates", "near_duplicates", "near_duplicates_truncated", "leaks", "label_issues",
                                        "outliers", "classes", "settings", "notes"])
        let exact = try XCTUnwrap(json["exact_duplicates"] as? [[String: Any]])
        let groups = exact.map { (($0["rows"] as? [Any]) ?? []).map(Self.path).sorted() }
        XCTAssertEqual(groups.first, ["cat/cat.1005.jpg", "dog/copy_of_cat.1005.jpg"], "the cross-class group comes first")
        XCTAssertEqual(exact.first?["cross_class"] as? Bool, true)
        XCTAssertTrue(groups.contains(["dog/again_dog.1000.jpg", "dog/dog.1000.jpg"]))

        let near = try XCTUnwrap(json["near_duplicates"] as? [[String: Any]])
        let copiesOfOriginal: Set<String> = ["cat/cat.1005.jpg", "dog/copy_of_cat.1005.jpg"]
        for edit in Self.edits {
            let name = "cat/cat.1005.\(edit).jpg"
            let pair = near.first { p in
                let sides = [Self.path(p["first"]), Self.path(p["second"])]
                return sides.contains(name) && !copiesOfOriginal.isDisjoint(with: sides)
            }
            XCTAssertNotNil(pair, "\(name) not paired with the original")
            XCTAssertFalse(((pair?["signals"] as? [String]) ?? []).isEmpty)
        }
        // pHash is what finds the half-size copy in Lite0's embedding space at the default threshold or not;
        // either way the hash signal must be present for the re-encoded copy.
        let jpeg = near.first { [Self.path($0["first"]), Self.path($0["second"])] == ["cat/cat.1005.jpeg50.jpg", "cat/cat.1005.jpg"] }
        XCTAssertEqual(jpeg?["signals"] as? [String], ["cosine", "phash"])
        let labels = try XCTUnwrap((json["label_issues"] as? [String: Any])?["issues"] as? [[String: Any]])
        XCTAssertTrue(labels.contains { Self.path($0["row"]) == "dog/copy_of_cat.1005.jpg" && $0["suggested"] as? String == "cat" },
                      "the cat photo filed under dog is a label issue")
    }

    func testExcludeListNamesCopiesButKeepsOneOfASameClassGroup() throws {
        let (_, feats) = try store()
        let list = feats.deletingLastPathComponent().appendingPathComponent("exclude.txt")
        let result = try runProbe(["doctor", feats.path, "--exclude-list", list.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("CROSS-CLASS 2 copies"), result.stdout)
        let lines = try String(contentsOf: list, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("dog/copy_of_cat.1005.jpg"))
        XCTAssertEqual(lines.filter { $0 == "dog/dog.1000.jpg" || $0 == "dog/again_dog.1000.jpg" }, ["dog/dog.1000.jpg"],
                       "one copy of the same-class pair stays (the first row)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: try store().data.appendingPathComponent("dog/copy_of_cat.1005.jpg").path),
                      "probe never deletes photos")
    }

    func testHTMLPageOpensInChromiumWithEveryThumbnailDecoded() throws {
        let (_, feats) = try store()
        let folder = feats.deletingLastPathComponent()
        let page = folder.appendingPathComponent("doctor.html")
        let result = try runProbe(["doctor", feats.path, "--top", "5", "--html", page.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let html = try String(contentsOf: page, encoding: .utf8)
        XCTAssertFalse(html.contains("src=\"http"), "the page must not fetch anything")
        let dom = try HeadlessChromium.run(["--virtual-time-budget=5000", "--dump-dom", page.absoluteString], folder: folder)
        XCTAssertEqual(dom.status, 0)
        XCTAssertTrue(dom.stdout.contains("data-report-ready=\"yes\""), "load handler did not run")
        XCTAssertTrue(dom.stdout.contains("data-broken-images=\"0\""), "a thumbnail failed to decode")
        let images = dom.stdout.components(separatedBy: "data-images=\"").dropFirst().first?.prefix { $0.isNumber } ?? ""
        XCTAssertGreaterThanOrEqual(Int(images) ?? 0, 12, "pairs, suspects and outliers all carry thumbnails")
        for section in ["exact-duplicates", "near-duplicates", "label-errors", "outliers", "class-health"] {
            XCTAssertTrue(dom.stdout.contains("id=\"\(section)\""), section)
        }
    }
}
