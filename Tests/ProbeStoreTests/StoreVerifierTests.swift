import Foundation
import ProbeStore
import XCTest

/// `probe verify` finds damage: every checksum is recomputed and every shard re-checked.
final class StoreVerifierTests: XCTestCase {
    func makeStore() throws -> URL {
        let dir = try makeTemporaryDirectory(self)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(dim: 4), classes: testClasses, shardRows: 3)
        try extract(testDataset(8), into: writer)
        try writer.finish()
        return dir
    }

    func flipByte(_ url: URL, at offset: Int) throws {
        var data = try Data(contentsOf: url)
        data[offset] ^= 0x01
        try data.write(to: url)
    }

    func testIntactStoreVerifies() throws {
        let report = try StoreVerifier.verify(directory: try makeStore())
        XCTAssertTrue(report.isIntact, "\(report)")
        XCTAssertEqual(report.shards.map(\.rows), [3, 3, 2])
        XCTAssertEqual(report.rows, 8)
    }

    func testFlippedByteIsReportedInItsShardOnly() throws {
        for file in ["shard-00001.emb.npy", "shard-00001.labels.npy", "shard-00001.index.jsonl"] {
            let dir = try makeStore()
            let url = dir.appendingPathComponent(file)
            // The last byte: embedding data, a label, or the final newline of the index.
            try flipByte(url, at: try Data(contentsOf: url).count - 1)
            let report = try StoreVerifier.verify(directory: dir)
            XCTAssertFalse(report.isIntact, file)
            XCTAssertEqual(report.damagedShards.map(\.name), ["shard-00001"], file)
            XCTAssertTrue(report.damagedShards[0].problems.contains { $0.hasPrefix("\(file): sha256") }, "\(report.damagedShards[0].problems)")
        }
    }

    func testMissingAndTruncatedFilesAreReported() throws {
        let dir = try makeStore()
        try FileManager.default.removeItem(at: dir.appendingPathComponent("shard-00000.index.jsonl"))
        let url = dir.appendingPathComponent("shard-00002.emb.npy")
        try Data(contentsOf: url).dropLast(4).write(to: url)
        let report = try StoreVerifier.verify(directory: dir)
        XCTAssertEqual(report.damagedShards.map(\.name), ["shard-00000", "shard-00002"])
        XCTAssertTrue(report.damagedShards[0].problems.contains("shard-00000.index.jsonl: missing"))
        XCTAssertTrue(report.damagedShards[1].problems.contains { $0.contains("shard-00002.emb.npy") && $0.contains("needs") }, "\(report.damagedShards[1].problems)")
    }

    func testFolderWithoutManifestIsNotAStore() throws {
        let dir = try makeTemporaryDirectory(self)
        XCTAssertThrowsStoreError(.notAStore, try StoreVerifier.verify(directory: dir), containing: dir.path)
    }
}
