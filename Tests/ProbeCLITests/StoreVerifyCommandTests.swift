import Foundation
import ProbeTestSupport
import XCTest

/// `probe verify DIR`: exit status 0 for an intact store, 1 and the damaged shard otherwise.
final class StoreVerifyCommandTests: XCTestCase {
    func testIntactStoreVerifies() throws {
        let root = try copyStoreFixtures(["numpy-f32"], for: self)
        let result = try runProbe(["verify", "numpy-f32"], currentDirectory: root)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "ok: 2 shards, 5 rows, every file matches its checksum (numpy-f32)\n")
    }

    func testFlippedByteIsReportedWithExitStatus1() throws {
        let root = try copyStoreFixtures(["numpy-f32"], for: self)
        let url = root.appendingPathComponent("numpy-f32/shard-00001.emb.npy")
        var data = try Data(contentsOf: url)
        data[data.count - 3] ^= 0x40
        try data.write(to: url)
        let result = try runProbe(["verify", "numpy-f32"], currentDirectory: root)
        XCTAssertEqual(result.status, 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "damaged: shard-00001")
        XCTAssertTrue(lines[1].hasPrefix("  shard-00001.emb.npy: sha256 "), result.stdout)
        XCTAssertEqual(lines.last, "1 of 2 shards damaged (numpy-f32)")

        let json = try runProbe(["verify", "--json", "numpy-f32"], currentDirectory: root)
        XCTAssertEqual(json.status, 1)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["intact"] as? Bool, false)
        let shards = object["shards"] as! [[String: Any]]
        XCTAssertEqual(shards.map { ($0["problems"] as! [String]).isEmpty }, [true, false])
    }
}
