import Foundation
import ProbeTestSupport
import XCTest

/// `probe info DIR` on a store numpy wrote (Tests/Fixtures/store, reference/store_fixtures.py).
final class StoreInfoCommandTests: XCTestCase {
    func testInfoPrintsModelClassesCountsAndSize() throws {
        let root = try copyStoreFixtures(["numpy-f32"], for: self)
        let result = try runProbe(["info", "numpy-f32"], currentDirectory: root)
        XCTAssertEqual(result.status, 0, result.stderr)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("numpy-f32/manifest.json"))) as! [String: Any]
        let weights = (manifest["identity"] as! [String: Any])["weights_sha256"] as! String
        let bytes = try folderBytes(root.appendingPathComponent("numpy-f32"))
        XCTAssertEqual(result.stdout, """
        store           numpy-f32
        model           tinynet
        weights sha256  \(weights)
        preprocessing   {"image_size":224,"mean":[0.485,0.456,0.406],"recipe":"resize256-centercrop224","std":[0.229,0.224,0.225]}
        pool            avg
        dtype           float32
        dim             4
        rows            5 in 2 shards
        skipped         1 (see errors.jsonl)
        size on disk    \(String(format: "%.1f kB", Double(bytes) / 1000)) (\(bytes) bytes)
        classes         2
          cat  3
          dog  2

        """)
    }

    func testInfoJSONIsOneObject() throws {
        let root = try copyStoreFixtures(["numpy-f16"], for: self)
        let result = try runProbe(["info", "--json", "numpy-f16"], currentDirectory: root)
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["dtype"] as? String, "float16")
        XCTAssertEqual(object["rows"] as? Int, 4)
        XCTAssertEqual(object["dim"] as? Int, 3)
        XCTAssertEqual((object["classes"] as? [[String: Any]])?.map { $0["rows"] as? Int }, [0, 4])
    }

    /// An empty folder is neither a store nor a dataset (which info answers as scan does).
    func testInfoOnAnEmptyFolderFailsNamingIt() throws {
        let root = try copyStoreFixtures([], for: self)
        let result = try runProbe(["info", root.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains(root.path), result.stderr)
    }
}
