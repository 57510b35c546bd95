import Foundation
import ProbeStore
import XCTest

/// Part stores made on N machines combine into one store holding every row once,
/// sharing the shard files instead of copying them.
final class StoreMergerTests: XCTestCase {
    let files = testDataset(20)

    /// Writes the stores of `--part i/count` for every i, as N machines would.
    func makeParts(count: Int, identity: StoreIdentity = testIdentity()) throws -> [URL] {
        let root = try makeTemporaryDirectory(self)
        return try (0..<count).map { index in
            let part = try StorePart(index: index, count: count)
            let dir = root.appendingPathComponent("part-\(index)")
            let writer = try StoreWriter(directory: dir, identity: identity, classes: testClasses, part: part, shardRows: 3)
            try extract(writer.synchronize(with: files.filter { part.contains(path: $0.path) }).toExtract, into: writer)
            try writer.finish()
            return dir
        }
    }

    func testMergedPartsHoldEveryRowOnceWithTheirEmbeddings() throws {
        let parts = try makeParts(count: 3)
        let out = try makeTemporaryDirectory(self).appendingPathComponent("merged")
        let summary = try StoreMerger.merge(inputs: parts, into: out)
        XCTAssertEqual(summary.rows, 20)
        XCTAssertEqual(summary.totalRows, 20)
        let store = try FeatureStore(directory: out)
        XCTAssertEqual(store.rowCount, 20)
        XCTAssertEqual(Set(store.paths), Set(files.map(\.path)))
        XCTAssertNil(store.manifest.part)
        XCTAssertEqual(store.classCounts, [10, 10])
        for row in 0..<store.rowCount {
            let file = files.first { $0.path == store.paths[row] }!
            XCTAssertEqual(store.row(row), testEmbedding(file, dim: 3))
            XCTAssertEqual(store.labels[row], file.label)
        }
        XCTAssertTrue(try StoreVerifier.verify(directory: out).isIntact)
    }

    func testShardFilesAreHardLinkedNotCopied() throws {
        let parts = try makeParts(count: 2)
        let out = try makeTemporaryDirectory(self).appendingPathComponent("merged")
        let summary = try StoreMerger.merge(inputs: parts, into: out)
        XCTAssertEqual(summary.copiedFiles, 0)
        let first = try StoreManifest.require(directory: parts[0]).shards[0]
        let merged = try StoreManifest.require(directory: out).shards[0]
        let a = try FileManager.default.attributesOfItem(atPath: parts[0].appendingPathComponent(first.embeddings).path)
        let b = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent(merged.embeddings).path)
        XCTAssertEqual(a[.systemFileNumber] as? Int, b[.systemFileNumber] as? Int, "same inode")
        XCTAssertEqual(summary.linkedFiles, 3 * summary.shards)
        // The inputs are left whole.
        for part in parts { XCTAssertTrue(try StoreVerifier.verify(directory: part).isIntact) }
    }

    func testLaterWritesToTheMergedStoreLeaveInputsUntouched() throws {
        let parts = try makeParts(count: 2)
        let out = try makeTemporaryDirectory(self).appendingPathComponent("merged")
        try StoreMerger.merge(inputs: parts, into: out)
        let before = try parts.map(storeFiles)
        // Remove a file from the dataset: the merged store rewrites shards, the parts must not change.
        let writer = try StoreWriter(directory: out, identity: testIdentity(), classes: testClasses, shardRows: 3)
        try writer.synchronize(with: Array(files.dropFirst()))
        try writer.finish()
        XCTAssertEqual(try FeatureStore(directory: out).rowCount, 19)
        XCTAssertEqual(try parts.map(storeFiles), before)
    }

    func testStoresMadeDifferentlyAreNotMerged() throws {
        let a = try makeParts(count: 1)[0]
        let b = try makeParts(count: 1, identity: testIdentity(model: "vgg16"))[0]
        let out = try makeTemporaryDirectory(self).appendingPathComponent("merged")
        XCTAssertThrowsStoreError(.identityMismatch, try StoreMerger.merge(inputs: [a, b], into: out), containing: "model tinynet")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    func testTheSameFileInTwoInputsIsRefusedBeforeAnythingIsLinked() throws {
        let parts = try makeParts(count: 2)
        let whole = try makeParts(count: 1)[0]
        let out = try makeTemporaryDirectory(self).appendingPathComponent("merged")
        XCTAssertThrowsStoreError(.duplicatePath, try StoreMerger.merge(inputs: [parts[0], whole], into: out, allowMissingParts: true), containing: "stored in both")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), [StoreLock.fileName])
    }

    func testMergeAddsToAnExistingStore() throws {
        let parts = try makeParts(count: 2)
        let out = try makeTemporaryDirectory(self).appendingPathComponent("merged")
        try StoreMerger.merge(inputs: [parts[0]], into: out, allowMissingParts: true)
        let summary = try StoreMerger.merge(inputs: [parts[1]], into: out, allowMissingParts: true)
        XCTAssertEqual(summary.totalRows, 20)
        XCTAssertEqual(Set(try FeatureStore(directory: out).paths), Set(files.map(\.path)))
        XCTAssertThrowsStoreError(.duplicatePath, try StoreMerger.merge(inputs: [parts[1]], into: out, allowMissingParts: true))
    }

    func testAnInputCannotBeTheOutput() throws {
        let parts = try makeParts(count: 1)
        XCTAssertThrowsStoreError(.invalidArgument, try StoreMerger.merge(inputs: parts, into: parts[0]))
    }

    // A failed array task must never be merged away: a part store records its part and
    // whether its run finished, and the merge checks the set.

    func testAWriterMarksTheStoreUnfinishedUntilFinish() throws {
        let dir = try makeTemporaryDirectory(self).appendingPathComponent("store")
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: 3)
        try extract(writer.synchronize(with: files).toExtract, into: writer)
        XCTAssertEqual(try StoreManifest.require(directory: dir).complete, false, "a store being written must say it is unfinished")
        try writer.finish()
        XCTAssertEqual(try StoreManifest.require(directory: dir).complete, true)
        // Reopening for another run marks it unfinished again until that run finishes.
        let again = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: 3)
        XCTAssertEqual(try StoreManifest.require(directory: dir).complete, false)
        again.close()
        XCTAssertEqual(try StoreManifest.require(directory: dir).complete, false, "a run stopped without finish stays unfinished")
    }

    func testAnUnfinishedPartIsRefusedNamingItAndMergesOnceRerun() throws {
        let parts = try makeParts(count: 3)
        // Part 1's task is rerun and dies before it finishes.
        let part = try StorePart(index: 1, count: 3)
        let writer = try StoreWriter(directory: parts[1], identity: testIdentity(), classes: testClasses, part: part, shardRows: 3)
        writer.close()
        let out = try makeTemporaryDirectory(self).appendingPathComponent("merged")
        XCTAssertThrowsStoreError(.incompleteParts, try StoreMerger.merge(inputs: parts, into: out),
                                  containing: "part 1/3 (\(parts[1].path)): extraction did not finish")
        XCTAssertThrowsStoreError(.incompleteParts, try StoreMerger.merge(inputs: parts, into: out, allowMissingParts: true))
        XCTAssertNil(try StoreManifest.read(directory: out), "a refused merge must leave no store")
        // The rerun of that one task completes it; the merge then holds every row.
        let rerun = try StoreWriter(directory: parts[1], identity: testIdentity(), classes: testClasses, part: part, shardRows: 3)
        try extract(rerun.synchronize(with: files).toExtract, into: rerun)
        try rerun.finish()
        XCTAssertEqual(try StoreMerger.merge(inputs: parts, into: out).totalRows, 20)
        XCTAssertEqual(try StoreManifest.require(directory: out).complete, true)
    }

    func testAMissingPartIsRefusedNamingIt() throws {
        let parts = try makeParts(count: 4)
        let out = try makeTemporaryDirectory(self).appendingPathComponent("merged")
        XCTAssertThrowsStoreError(.incompleteParts, try StoreMerger.merge(inputs: [parts[0], parts[2]], into: out),
                                  containing: "parts 1/4, 3/4 missing from the inputs")
        XCTAssertNil(try StoreManifest.read(directory: out))
        XCTAssertEqual(try StoreMerger.merge(inputs: [parts[0], parts[2]], into: out, allowMissingParts: true).totalRows,
                       try [parts[0], parts[2]].reduce(0) { $0 + (try StoreManifest.require(directory: $1).totals.rows) })
    }

    func testAPartFolderWithNoStoreIsNamed() throws {
        let parts = try makeParts(count: 2)
        let absent = parts[1].deletingLastPathComponent().appendingPathComponent("part-9")
        let out = try makeTemporaryDirectory(self).appendingPathComponent("merged")
        XCTAssertThrowsStoreError(.notAStore, try StoreMerger.merge(inputs: [parts[0], parts[1], absent], into: out),
                                  containing: "\(absent.path): no Probe store here")
    }

    func testPartsOfDifferentSplitsOrTheSamePartTwiceAreRefused() throws {
        let halves = try makeParts(count: 2)
        let thirds = try makeParts(count: 3)
        let out = try makeTemporaryDirectory(self).appendingPathComponent("merged")
        XCTAssertThrowsStoreError(.incompleteParts, try StoreMerger.merge(inputs: halves + [thirds[0]], into: out), containing: "different splits")
        let copy = try makeTemporaryDirectory(self).appendingPathComponent("copy")
        try FileManager.default.copyItem(at: halves[0], to: copy)
        XCTAssertThrowsStoreError(.incompleteParts, try StoreMerger.merge(inputs: halves + [copy], into: out), containing: "part given twice")
    }
}
