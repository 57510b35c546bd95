import Foundation
import ProbeCore
import ProbeStore
import XCTest

/// A writer stopped at any point (simulated here at library level: abandoned writers and
/// the files a killed process leaves) loses at most its unfinished shard, and a rerun ends
/// with exactly the files an uninterrupted run writes.
final class CrashRecoveryTests: XCTestCase {
    let files = testDataset(10)
    let shardRows = 4

    /// The store an uninterrupted run writes.
    func uninterruptedStore() throws -> [String: Data] {
        let dir = try makeTemporaryDirectory(self)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: shardRows)
        try extract(writer.synchronize(with: files).toExtract, into: writer, batch: 3)
        try writer.finish()
        return try storeFiles(dir)
    }

    /// The same command again: plan against the full listing, extract what the plan says.
    @discardableResult
    func rerun(_ dir: URL) throws -> StorePlan {
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: shardRows)
        let plan = try writer.synchronize(with: files)
        try extract(plan.toExtract, into: writer, batch: 3)
        try writer.finish()
        return plan
    }

    /// Files in the folder that the manifest does not account for.
    func leftovers(_ dir: URL) throws -> [String] {
        let manifest = try StoreManifest.require(directory: dir)
        let known = Set(manifest.shards.flatMap(\.fileNames) + ["manifest.json", "errors.jsonl", StoreLock.fileName])
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !known.contains($0) }.sorted()
    }

    func testWriterStoppedMidShardLosesOnlyThatShardAndRerunMatchesUninterruptedRun() throws {
        let expected = try uninterruptedStore()
        let dir = try makeTemporaryDirectory(self)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: shardRows)
        try extract(Array(files[0..<6]), into: writer, batch: 3)  // shard 0 full, 2 rows into shard 1
        writer.close()
        // What a kill -9 at this moment leaves: the unfinished shard's temporary files.
        try Data("half a shard".utf8).write(to: dir.appendingPathComponent("shard-00001.emb.npy.partial"))
        try Data("{\"path\":".utf8).write(to: dir.appendingPathComponent("shard-00001.index.jsonl.partial"))

        XCTAssertEqual(try FeatureStore(directory: dir).paths, files[0..<4].map(\.path), "only the complete shard is visible")
        XCTAssertEqual(try leftovers(dir), ["shard-00001.emb.npy.partial", "shard-00001.index.jsonl.partial"])
        let plan = try rerun(dir)
        XCTAssertEqual(plan.toExtract, Array(files[4...]), "the rerun extracts exactly the lost rows and those after")
        XCTAssertEqual(plan.keptRows, 4)
        XCTAssertEqual(try storeFiles(dir), expected)
    }

    func testCrashBetweenShardRenameAndManifestCommitIsUndoneOnOpen() throws {
        let expected = try uninterruptedStore()
        let dir = try makeTemporaryDirectory(self)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: shardRows)
        try extract(Array(files[0..<4]), into: writer)
        writer.close()
        // Shard 1's files renamed into place, but the manifest not yet replaced: unreferenced files.
        for suffix in [".emb.npy", ".labels.npy", ".index.jsonl"] {
            try Data("stale".utf8).write(to: dir.appendingPathComponent("shard-00001" + suffix))
        }
        try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: shardRows).close()
        XCTAssertEqual(try leftovers(dir), [], "opening a writer removes files no manifest lists")
        try rerun(dir)
        XCTAssertEqual(try storeFiles(dir), expected)
    }

    func testHalfWrittenManifestTemporaryIsIgnoredAndRemoved() throws {
        let expected = try uninterruptedStore()
        let dir = try makeTemporaryDirectory(self)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: shardRows)
        try extract(Array(files[0..<5]), into: writer)
        writer.close()
        try Data("{\"format_version\": 1, \"identi".utf8).write(to: dir.appendingPathComponent("manifest.json.partial"))
        try Data("{\"path\":\"x\"".utf8).write(to: dir.appendingPathComponent("errors.jsonl.partial"))

        XCTAssertEqual(try FeatureStore(directory: dir).rowCount, 4)
        try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: shardRows).close()
        XCTAssertEqual(try leftovers(dir), [])
        try rerun(dir)
        XCTAssertEqual(try storeFiles(dir), expected)
    }

    func testStopBeforeFirstShardLeavesAnEmptyStoreThatResumes() throws {
        let expected = try uninterruptedStore()
        let dir = try makeTemporaryDirectory(self)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: shardRows)
        try extract(Array(files[0..<3]), into: writer)
        writer.close()
        XCTAssertEqual(try FeatureStore(directory: dir).rowCount, 0)
        try rerun(dir)
        XCTAssertEqual(try storeFiles(dir), expected)
    }

    func testRunsStoppedRepeatedlyEndWithTheUninterruptedStore() throws {
        let expected = try uninterruptedStore()
        let dir = try makeTemporaryDirectory(self)
        // Each attempt gets a little further before it is stopped.
        for stopAfter in [1, 5, 6, 9] {
            let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: shardRows)
            let plan = try writer.synchronize(with: files)
            try extract(Array(plan.toExtract.prefix(stopAfter)), into: writer, batch: 1)
            writer.close()
        }
        try rerun(dir)
        XCTAssertEqual(try storeFiles(dir), expected)
    }

    func testSkippedFilesCommittedBeforeACrashAreNotRetried() throws {
        let dir = try makeTemporaryDirectory(self)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: 2)
        try writer.recordSkipped(files[0].skipped(reason: "not an image"))
        try extract(Array(files[1..<3]), into: writer)   // fills shard 0: commits the skipped file too
        try extract([files[3]], into: writer)
        writer.close()
        let plan = try rerun(dir)
        XCTAssertEqual(plan.toExtract, Array(files[3...]))
        XCTAssertEqual(plan.keptSkipped.map(\.path), [files[0].path])
        XCTAssertEqual(try FeatureStore(directory: dir).paths, files[1...].map(\.path))
        XCTAssertEqual(try JSONLines.decode(SkippedFile.self, from: dir.appendingPathComponent("errors.jsonl")).map(\.reason), ["not an image"])
    }

    func testErrorsFileDoesNotDependOnTheOrderFailuresWereMet() throws {
        let dir = try makeTemporaryDirectory(self)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses)
        for file in [files[5], files[1], files[3]] { try writer.recordSkipped(file.skipped(reason: "bad")) }
        try writer.finish()
        let lines = try JSONLines.decode(SkippedFile.self, from: dir.appendingPathComponent("errors.jsonl"))
        XCTAssertEqual(lines.map(\.path), [files[1], files[3], files[5]].map(\.path).sorted())
    }
}
