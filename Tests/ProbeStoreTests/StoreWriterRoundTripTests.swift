import Foundation
import ProbeCore
import ProbeStore
import XCTest

/// What a writer appends is what the reader gives back, across shard boundaries and dtypes.
final class StoreWriterRoundTripTests: XCTestCase {
    func testRowsReadBackInOrderAcrossShardBoundaries() throws {
        let dir = try makeTemporaryDirectory(self)
        let files = testDataset(11)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(dim: 5), classes: testClasses, shardRows: 4)
        try extract(files, into: writer, batch: 3)
        let manifest = try writer.finish()
        XCTAssertEqual(manifest.shards.map(\.rows), [4, 4, 3])
        XCTAssertEqual(manifest.totals.rows, 11)
        XCTAssertEqual(manifest.totals.classCounts, [6, 5])

        let store = try FeatureStore(directory: dir)
        XCTAssertEqual(store.rowCount, 11)
        XCTAssertEqual(store.dim, 5)
        XCTAssertEqual(store.paths, files.map(\.path))
        XCTAssertEqual(store.labels, files.map(\.label))
        for (i, file) in files.enumerated() { XCTAssertEqual(store.row(i), testEmbedding(file, dim: 5), "row \(i)") }
    }

    /// What a caller cuts its batches by: the room left in the open shard, full again once a shard commits.
    func testRowsLeftInShardCountsDownToEachCommit() throws {
        let dir = try makeTemporaryDirectory(self)
        let files = testDataset(6)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(dim: 3), classes: testClasses, shardRows: 4)
        var left: [Int] = [writer.rowsLeftInShard]
        for file in files {
            try writer.append(embeddings: testEmbedding(file, dim: 3), entries: [testEntry(file)])
            left.append(writer.rowsLeftInShard)
        }
        XCTAssertEqual(left, [4, 3, 2, 1, 4, 3, 2])
        XCTAssertEqual(writer.manifest.shards.map(\.rows), [4], "the full shard is committed as its last row arrives")
        writer.close()
    }

    /// A row must say which bytes it came from.
    func testAppendRefusesARowWithoutItsSHA256() throws {
        let dir = try makeTemporaryDirectory(self)
        let file = testDataset(1)[0]
        let writer = try StoreWriter(directory: dir, identity: testIdentity(dim: 3), classes: testClasses)
        XCTAssertThrowsStoreError(.invalidArgument, try writer.append(embeddings: testEmbedding(file, dim: 3), entries: [file]),
                                  containing: "sha256")
        writer.close()
    }

    func testFloat16StoreGivesRowsRoundedToHalfPrecision() throws {
        let dir = try makeTemporaryDirectory(self)
        let files = testDataset(5)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(dtype: .float16, dim: 4), classes: testClasses, shardRows: 2)
        try extract(files, into: writer)
        try writer.finish()
        let store = try FeatureStore(directory: dir)
        for (i, file) in files.enumerated() {
            XCTAssertEqual(store.row(i), testEmbedding(file, dim: 4).map { Float(Float16($0)) })
        }
        // The file on disk holds 2 bytes per value.
        let header = NPYHeader(dtype: .float16, shape: [2, 4])
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("shard-00000.emb.npy")).count, header.dataOffset + 2 * 4 * 2)
    }

    func testCopyRowsGathersRequestedRowsInRequestedOrder() throws {
        for dtype in EmbeddingDType.allCases {
            let dir = try makeTemporaryDirectory(self)
            let files = testDataset(9)
            let writer = try StoreWriter(directory: dir, identity: testIdentity(dtype: dtype, dim: 3), classes: testClasses, shardRows: 4)
            try extract(files, into: writer)
            try writer.finish()
            let store = try FeatureStore(directory: dir)
            let picks = [8, 0, 4, 4, 3]
            let matrix = store.copyRows(picks)
            XCTAssertEqual(matrix.rows, 5)
            XCTAssertEqual(matrix.cols, 3)
            for (i, row) in picks.enumerated() { XCTAssertEqual(matrix.row(i), store.row(row), "\(dtype) pick \(i)") }
            XCTAssertEqual(store.matrix().values, (0..<9).flatMap { store.row($0) })
        }
    }

    func testBlocksVisitEveryRowOnceWithoutStraddlingShards() throws {
        for dtype in EmbeddingDType.allCases {
            let dir = try makeTemporaryDirectory(self)
            let files = testDataset(10)
            let writer = try StoreWriter(directory: dir, identity: testIdentity(dtype: dtype, dim: 2), classes: testClasses, shardRows: 4)
            try extract(files, into: writer)
            try writer.finish()
            let store = try FeatureStore(directory: dir)
            var visited: [Int] = []
            var blockSizes: [Int] = []
            store.forEachBlock(maxRows: 3) { block in
                blockSizes.append(block.rows)
                XCTAssertEqual(block.values.count, block.rows * 2)
                for r in 0..<block.rows {
                    let row = block.firstRow + r
                    visited.append(row)
                    XCTAssertEqual(Array(block.values[(r * 2)..<(r * 2 + 2)]), store.row(row))
                    XCTAssertEqual(block.labels[block.labels.startIndex + r], store.labels[row])
                }
            }
            XCTAssertEqual(visited, Array(0..<10))
            // Shards of 4, 4, 2 rows cut into blocks of at most 3.
            XCTAssertEqual(blockSizes, [3, 1, 3, 1, 2])
        }
    }

    func testNewStoreWithoutRowsOpensAsEmptyMatrix() throws {
        let dir = try makeTemporaryDirectory(self)
        try StoreWriter(directory: dir, identity: testIdentity(dim: 7), classes: testClasses).finish()
        let store = try FeatureStore(directory: dir)
        XCTAssertEqual(store.rowCount, 0)
        XCTAssertEqual(store.matrix(), Matrix(rows: 0, cols: 7))
        XCTAssertEqual(store.classCounts, [0, 0])
    }

    func testAppendRefusesAPathAlreadyStored() throws {
        let dir = try makeTemporaryDirectory(self)
        let files = testDataset(3)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: 2)
        try extract(files, into: writer)
        XCTAssertThrowsStoreError(.duplicatePath, try extract([files[0]], into: writer), containing: files[0].path)
        XCTAssertThrowsStoreError(.duplicatePath, try extract([files[2]], into: writer), containing: files[2].path)
        try writer.finish()
        // Reopened, the writer still knows every stored path.
        let again = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: 2)
        XCTAssertThrowsStoreError(.duplicatePath, try extract([files[1]], into: again))
        XCTAssertEqual(try FeatureStore(directory: dir).rowCount, 3)
    }

    func testAppendRefusesABatchOfTheWrongWidthWithoutWritingIt() throws {
        let dir = try makeTemporaryDirectory(self)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(dim: 3), classes: testClasses)
        let files = testDataset(2)
        XCTAssertThrowsStoreError(.invalidArgument, try writer.append(embeddings: [Float](repeating: 1, count: 5), entries: files.map(testEntry)))
        XCTAssertThrowsStoreError(.invalidArgument, try writer.append(embeddings: Matrix(rows: 2, cols: 4), entries: files.map(testEntry)))
        try writer.finish()
        XCTAssertEqual(try FeatureStore(directory: dir).rowCount, 0)
    }

    func testReaderRefusesShardWhoseShapeDisagreesWithManifest() throws {
        let dir = try makeTemporaryDirectory(self)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(dim: 3), classes: testClasses, shardRows: 4)
        try extract(testDataset(4), into: writer)
        try writer.finish()
        // Replace the shard by a well-formed .npy of another shape.
        try NPYArray(float32: [Float](repeating: 0, count: 8), shape: [4, 2]).write(to: dir.appendingPathComponent("shard-00000.emb.npy"))
        XCTAssertThrowsStoreError(.corrupt, try FeatureStore(directory: dir), containing: "shard-00000.emb.npy")
    }
}
