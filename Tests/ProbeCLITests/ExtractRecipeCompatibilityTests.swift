import Foundation
import XCTest
import ProbeStore
import ProbeTestSupport

/// The manifest records the whole recipe; a store written before the recipe had its pipeline and
/// resize fields is continued by the recipe it meant, and refused (with the flags that continue it)
/// when the request means something else, so old and new defaults never share a store.
final class ExtractRecipeCompatibilityTests: XCTestCase {
    private func dataset() throws -> URL {
        let root = try ExtractTestSupport.temporaryFolder(self, "recipe-data")
        for label in ["cat", "dog"] {
            let source = ExtractTestSupport.petsMini.appendingPathComponent(label)
            let names = try FileManager.default.contentsOfDirectory(atPath: source.path).filter { $0.hasSuffix(".jpg") }.sorted()
            try FileManager.default.createDirectory(at: root.appendingPathComponent(label), withIntermediateDirectories: true)
            for name in names.prefix(2) {
                try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: root.appendingPathComponent(label).appendingPathComponent(name))
            }
        }
        return root
    }

    private func manifest(_ store: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: store.appendingPathComponent("manifest.json"))) as? [String: Any])
    }

    private func preprocessing(_ store: URL) throws -> [String: Any] {
        let identity = try XCTUnwrap(manifest(store)["identity"] as? [String: Any])
        return try XCTUnwrap(identity["preprocessing"] as? [String: Any])
    }

    /// Rewrites the manifest's recipe as Probe wrote it before (no pipeline, no resizeShorterSide).
    private func makeOld(_ store: URL) throws {
        var object = try manifest(store)
        var identity = try XCTUnwrap(object["identity"] as? [String: Any])
        var recipe = try XCTUnwrap(identity["preprocessing"] as? [String: Any])
        XCTAssertNotNil(recipe.removeValue(forKey: "pipeline"))
        XCTAssertNotNil(recipe.removeValue(forKey: "resizeShorterSide"))
        identity["preprocessing"] = recipe
        object["identity"] = identity
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: store.appendingPathComponent("manifest.json"))
    }

    func testManifestRecordsTheRecipeAndOldStoresContinueOrAreRefusedByMeaning() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let data = try dataset()
        let store = try ExtractTestSupport.temporaryFolder(self, "recipe-store")
        let arguments = ExtractTestSupport.extractArguments(data: data, out: store, weights: weights)
        XCTAssertEqual(try ExtractTestSupport.extractJSON(arguments)["rows"] as? Int, 4)
        let recorded = try preprocessing(store)
        XCTAssertEqual(recorded["pipeline"] as? String, "torchvision")
        XCTAssertEqual(recorded["resizeShorterSide"] as? Int, 256)
        XCTAssertEqual(recorded["interpolation"] as? String, "bilinear")

        try makeOld(store)
        let oldRecord = try preprocessing(store)
        // The same meaning: the rerun keeps every row and leaves the old record as it was.
        let again = try ExtractTestSupport.extractJSON(arguments)
        XCTAssertEqual(again["kept"] as? Int, 4, "\(again)")
        XCTAssertEqual(again["extracted"] as? Int, 0, "\(again)")
        XCTAssertEqual(NSDictionary(dictionary: try preprocessing(store)), NSDictionary(dictionary: oldRecord))

        // Another meaning (a resize of 232, as mobilenet_v2's new default): refused, nothing written,
        // and the message names the flags that continue the store.
        let manifestBefore = try Data(contentsOf: store.appendingPathComponent("manifest.json"))
        for extra in [["--resize-size", "232"], ["--preprocess", "keras-directory"]] {
            let refused = try runProbe(arguments + extra)
            XCTAssertNotEqual(refused.status, 0)
            XCTAssertTrue(refused.stderr.contains("holds embeddings made differently"), refused.stderr)
            XCTAssertTrue(refused.stderr.contains("--preprocess torchvision --image-size 224 --resize crop --resize-size 256 --interpolation bilinear --normalization imagenet"),
                          refused.stderr)
            XCTAssertEqual(try Data(contentsOf: store.appendingPathComponent("manifest.json")), manifestBefore)
        }
        // Those flags do continue it.
        let flags = "--preprocess torchvision --image-size 224 --resize crop --resize-size 256 --interpolation bilinear --normalization imagenet"
        XCTAssertEqual(try ExtractTestSupport.extractJSON(arguments + flags.split(separator: " ").map(String.init))["kept"] as? Int, 4)
    }

    func testKerasRecipesAreRecordedAndFastDecodeIsRefusedForThem() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let data = try dataset()
        let store = try ExtractTestSupport.temporaryFolder(self, "recipe-keras")
        let arguments = ExtractTestSupport.extractArguments(data: data, out: store, weights: weights,
                                                            ["--preprocess", "keras-load-img", "--image-size", "160", "--crop-to-aspect-ratio"])
        XCTAssertEqual(try ExtractTestSupport.extractJSON(arguments)["rows"] as? Int, 4)
        let recorded = try preprocessing(store)
        XCTAssertEqual(recorded["pipeline"] as? String, "keras-load-img")
        XCTAssertEqual(recorded["resizeMode"] as? String, "cropToAspectRatio")
        XCTAssertEqual(recorded["interpolation"] as? String, "nearest")
        XCTAssertEqual(recorded["imageSize"] as? Int, 160)
        XCTAssertNil(recorded["resizeShorterSide"])

        let fast = try runProbe(arguments + ["--fast-decode", "--overwrite"])
        XCTAssertNotEqual(fast.status, 0)
        XCTAssertTrue(fast.stderr.contains("--fast-decode works with the torchvision pipeline only"), fast.stderr)
        let crop = try runProbe(ExtractTestSupport.extractArguments(data: data, out: store, weights: weights, ["--crop-to-aspect-ratio"]))
        XCTAssertNotEqual(crop.status, 0)
        XCTAssertTrue(crop.stderr.contains("--crop-to-aspect-ratio applies to --preprocess keras-directory or keras-load-img"), crop.stderr)
    }
}
