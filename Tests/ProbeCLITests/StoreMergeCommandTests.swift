import Foundation
import ProbeTestSupport
import XCTest

/// `probe merge OUT IN…` on stores numpy wrote.
final class StoreMergeCommandTests: XCTestCase {
    func testMergeCombinesPartsByHardLinks() throws {
        let root = try copyStoreFixtures(["numpy-f32", "numpy-f32-b"], for: self)
        let result = try runProbe(["merge", "all", "numpy-f32", "numpy-f32-b"], currentDirectory: root)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "merged 2 stores into all: 3 shards, 7 rows added (9 files hard-linked, 0 copied); 7 rows in total\n")
        let verify = try runProbe(["verify", "all"], currentDirectory: root)
        XCTAssertEqual(verify.stdout, "ok: 3 shards, 7 rows, every file matches its checksum (all)\n")
        let info = try runProbe(["info", "--json", "all"], currentDirectory: root)
        let object = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((object["classes"] as? [[String: Any]])?.map { $0["rows"] as? Int }, [4, 3])
        XCTAssertEqual(object["skipped"] as? Int, 1)
    }

    func testMergeRefusesStoresMadeDifferently() throws {
        let root = try copyStoreFixtures(["numpy-f32", "numpy-f16"], for: self)
        let result = try runProbe(["merge", "all", "numpy-f32", "numpy-f16"], currentDirectory: root)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("dtype float32 (numpy-f32) vs float16 (numpy-f16)"), result.stderr)
        XCTAssertTrue(result.stderr.contains("dim 4 (numpy-f32) vs 3 (numpy-f16)"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("all/manifest.json").path))
    }

    func testMergeRefusesAFileStoredTwice() throws {
        let root = try copyStoreFixtures(["numpy-f32"], for: self)
        try FileManager.default.copyItem(at: root.appendingPathComponent("numpy-f32"), to: root.appendingPathComponent("copy"))
        let result = try runProbe(["merge", "all", "numpy-f32", "copy"], currentDirectory: root)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("cat/1.jpg: stored in both \(root.path)/numpy-f32 and \(root.path)/copy"), result.stderr)
    }

    func testMergeNeedsAnInput() throws {
        let result = try runProbe(["merge", "out"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("Missing expected argument '<inputs> ...'"), result.stderr)
    }
}
