import Foundation
import ProbeCore
import ProbeStore
import XCTest

/// A rerun on a changed folder extracts only new or changed files and drops rows of files
/// that are gone or changed.
final class IncrementalPlanTests: XCTestCase {
    func makeStore(_ files: [DatasetFile], classes: [String] = testClasses, shardRows: Int = 3) throws -> URL {
        let dir = try makeTemporaryDirectory(self)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: classes, shardRows: shardRows)
        try extract(writer.synchronize(with: files).toExtract, into: writer)
        try writer.finish()
        return dir
    }

    /// Runs the extraction again on `files` and returns the plan it followed.
    @discardableResult
    func rerun(_ dir: URL, _ files: [DatasetFile], classes: [String] = testClasses,
               contentHash: ((DatasetFile) throws -> String)? = nil) throws -> StorePlan {
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: classes, shardRows: 3)
        let plan = try writer.synchronize(with: files, contentHash: contentHash)
        try extract(plan.toExtract, into: writer)
        try writer.finish()
        return plan
    }

    /// The rows of the store as a set of (path, label, embedding): what an extraction from scratch gives.
    func assertStore(_ dir: URL, holdsExactly files: [DatasetFile], classes: [String] = testClasses,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        let store = try FeatureStore(directory: dir)
        XCTAssertEqual(store.classes, classes, file: file, line: line)
        XCTAssertEqual(Set(store.paths), Set(files.map(\.path)), file: file, line: line)
        XCTAssertEqual(store.rowCount, files.count, "no duplicates", file: file, line: line)
        let byPath = Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0) })
        for row in 0..<store.rowCount {
            let expected = byPath[store.paths[row]]!
            XCTAssertEqual(store.row(row), testEmbedding(expected, dim: 3), store.paths[row], file: file, line: line)
            XCTAssertEqual(classes[store.labels[row]], classes[expected.label], file: file, line: line)
        }
        XCTAssertEqual(store.classCounts, classes.indices.map { c in files.filter { $0.label == c }.count }, file: file, line: line)
        XCTAssertTrue(try StoreVerifier.verify(directory: dir).isIntact, file: file, line: line)
    }

    func testUnchangedFolderPlansNothingAndLeavesFilesUntouched() throws {
        let files = testDataset(7)
        let dir = try makeStore(files)
        let before = try storeFiles(dir)
        let plan = try rerun(dir, files)
        XCTAssertTrue(plan.isNoOp)
        XCTAssertEqual(plan.keptRows, 7)
        XCTAssertEqual(try storeFiles(dir), before)
    }

    func testAddedFilesAreTheOnlyOnesExtracted() throws {
        let dir = try makeStore(testDataset(7))
        let files = testDataset(10)
        let plan = try rerun(dir, files)
        XCTAssertEqual(plan.toExtract, Array(files[7...]))
        XCTAssertEqual(plan.newCount, 3)
        XCTAssertTrue(plan.dropPaths.isEmpty)
        try assertStore(dir, holdsExactly: files)
    }

    func testRemovedFilesLoseTheirRows() throws {
        let files = testDataset(8)
        let dir = try makeStore(files)
        let remaining = files.filter { ![1, 2, 6].contains(Int($0.path.split(separator: "/")[1].dropLast(4))!) }
        let plan = try rerun(dir, remaining)
        XCTAssertEqual(plan.dropPaths, Set([files[1].path, files[2].path, files[6].path]))
        XCTAssertEqual(plan.removedCount, 3)
        XCTAssertTrue(plan.toExtract.isEmpty)
        try assertStore(dir, holdsExactly: remaining)
        // Shard 0 (rows 0-2) lost two rows, shard 2 (6-7) one; shard 1 stays as it was.
        let manifest = try StoreManifest.require(directory: dir)
        XCTAssertEqual(manifest.shards.map(\.rows).sorted(), [1, 1, 3])
        XCTAssertTrue(manifest.shards.contains { $0.embeddings == "shard-00001.emb.npy" })
    }

    func testRemovingEveryFileOfAShardDropsTheShard() throws {
        let files = testDataset(6)
        let dir = try makeStore(files)
        try rerun(dir, Array(files[3...]))
        XCTAssertEqual(try StoreManifest.require(directory: dir).shards.count, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("shard-00000.emb.npy").path))
        try assertStore(dir, holdsExactly: Array(files[3...]))
    }

    func testChangedFileIsExtractedAgainAndItsOldRowDropped() throws {
        var files = testDataset(6)
        let dir = try makeStore(files)
        files[4].size += 10            // new bytes: a new embedding
        files[1].mtimeNanoseconds += 5
        let plan = try rerun(dir, files)
        XCTAssertEqual(plan.changedPaths, Set([files[1].path, files[4].path]))
        XCTAssertEqual(plan.toExtract, [files[1], files[4]])
        try assertStore(dir, holdsExactly: files)
    }

    func testTouchedFileWithSameContentKeepsItsRowWhenHashesAreGiven() throws {
        var files = testDataset(4)
        let dir = try makeStore(files)
        let originalHash = testEntry(files[2]).sha256!
        files[2].mtimeNanoseconds += 1_000_000_000   // `touch`: same bytes, new mtime
        var hashed: [String] = []
        let plan = try rerun(dir, files) { file in hashed.append(file.path); return originalHash }
        XCTAssertEqual(hashed, [files[2].path], "only files whose size or mtime changed are hashed")
        XCTAssertTrue(plan.isNoOp)
    }

    func testFileMovedToAnotherClassIsExtractedAgain() throws {
        var files = testDataset(4)
        let dir = try makeStore(files)
        files[0].label = 1
        let plan = try rerun(dir, files)
        XCTAssertEqual(plan.toExtract, [files[0]])
        try assertStore(dir, holdsExactly: files)
    }

    func testFailedFileIsRetriedOnlyWhenItChanges() throws {
        var files = testDataset(4)
        let dir = try makeTemporaryDirectory(self)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: 3)
        let plan = try writer.synchronize(with: files)
        try writer.recordSkipped(plan.toExtract[1].skipped(reason: "truncated JPEG"))
        try extract(plan.toExtract.filter { $0 != files[1] }, into: writer)
        try writer.finish()

        XCTAssertTrue(try rerun(dir, files).isNoOp, "an unchanged failure is not retried")
        files[1].size += 1
        let retry = try rerun(dir, files)
        XCTAssertEqual(retry.toExtract, [files[1]])
        XCTAssertEqual(retry.retriedCount, 1)
        XCTAssertEqual(try JSONLines.decode(SkippedFile.self, from: dir.appendingPathComponent("errors.jsonl")), [])
        try assertStore(dir, holdsExactly: files)
    }

    func testNewClassRelabelsStoredRowsUnderTheNewClassList() throws {
        let files = testDataset(5)
        let dir = try makeStore(files)
        // A class "aardvark" appears and sorts first: old labels 0, 1 become 1, 2.
        let classes = ["aardvark", "class0", "class1"]
        var relabelled = files.map { file -> DatasetFile in var f = file; f.label += 1; return f }
        let newFile = DatasetFile(path: "aardvark/x.jpg", label: 0, size: 5, mtimeNanoseconds: 5)
        relabelled.append(newFile)
        let plan = try rerun(dir, relabelled, classes: classes)
        XCTAssertEqual(plan.toExtract, [newFile])
        XCTAssertEqual(plan.keptRows, 5)
        try assertStore(dir, holdsExactly: relabelled, classes: classes)
    }

    func testAppendBeforeSynchronizingANewClassListIsRefused() throws {
        let dir = try makeStore(testDataset(3))
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: ["class0", "class1", "class2"])
        XCTAssertThrowsStoreError(.invalidArgument, try extract([DatasetFile(path: "class2/n.jpg", label: 2, size: 1, mtimeNanoseconds: 1)], into: writer), containing: "synchronize")
    }

    func testDatasetListingAPathTwiceIsRefused() throws {
        let dir = try makeStore(testDataset(2))
        let files = testDataset(2) + [testDataset(2)[0]]
        XCTAssertThrowsStoreError(.duplicatePath, try rerun(dir, files), containing: files[0].path)
    }
}
