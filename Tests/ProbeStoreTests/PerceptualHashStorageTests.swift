import Foundation
import ProbeCore
import ProbeStore
import XCTest

/// Perceptual hashes ride in the shard index (`"phash":"<16 hex>"` at the end of a line): they come
/// back from the reader, survive a rewrite that drops rows and a merge, and a store written
/// before hashes existed still opens, its rows without one.
final class PerceptualHashStorageTests: XCTestCase {
    func hashed(_ file: DatasetFile) -> DatasetFile {
        var entry = testEntry(file)
        entry.perceptualHash = StorePart.fnv1a64("phash " + file.path)
        return entry
    }

    func write(_ files: [DatasetFile], to dir: URL, withHashes: Bool = true) throws {
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: 4)
        try writer.synchronize(with: files)
        try writer.append(embeddings: files.flatMap { testEmbedding($0, dim: 3) },
                          entries: files.map { withHashes ? hashed($0) : testEntry($0) })
        try writer.finish()
    }

    func testIndexLineCarriesTheHashAndTheReaderReturnsIt() throws {
        let dir = try makeTemporaryDirectory(self)
        let files = testDataset(10)
        try write(files, to: dir)
        let line = try String(contentsOf: dir.appendingPathComponent("shard-00000.index.jsonl"), encoding: .utf8)
            .split(separator: "\n").first.map(String.init)!
        let expected = hashed(files[0])
        XCTAssertTrue(line.hasSuffix(",\"sha256\":\"\(expected.sha256!)\",\"phash\":\"\(PerceptualHash.hex(expected.perceptualHash!))\"}"), line)
        let store = try FeatureStore(directory: dir)
        XCTAssertEqual(store.perceptualHashes, files.map { hashed($0).perceptualHash })
        XCTAssertTrue(store.hasPerceptualHashes)
        XCTAssertEqual(try store.indexEntries(), files.map(hashed))
        // The full JSON decoder (used for lines not in canonical form) reads the same value.
        XCTAssertEqual(try JSONDecoder().decode(DatasetFile.self, from: Data(line.utf8)), expected)
    }

    func testStoreWithoutHashesOpensWithNone() throws {
        let dir = try makeTemporaryDirectory(self)
        try write(testDataset(6), to: dir, withHashes: false)
        let text = try String(contentsOf: dir.appendingPathComponent("shard-00000.index.jsonl"), encoding: .utf8)
        XCTAssertFalse(text.contains("phash"))
        let store = try FeatureStore(directory: dir)
        XCTAssertEqual(store.perceptualHashes, [UInt64?](repeating: nil, count: 6))
        XCTAssertFalse(store.hasPerceptualHashes)
    }

    func testDroppingRowsRewritesShardsWithTheirHashes() throws {
        let dir = try makeTemporaryDirectory(self)
        let files = testDataset(10)
        try write(files, to: dir)
        // Rerun without files 1 and 6: their shards are rewritten, the other rows keep their hashes.
        let remaining = files.enumerated().filter { ![1, 6].contains($0.offset) }.map(\.element)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, shardRows: 4)
        let plan = try writer.synchronize(with: remaining)
        XCTAssertEqual(plan.dropPaths, [files[1].path, files[6].path])
        try writer.finish()
        let store = try FeatureStore(directory: dir)
        XCTAssertEqual(store.paths, remaining.map(\.path))
        XCTAssertEqual(store.perceptualHashes, remaining.map { hashed($0).perceptualHash })
    }

    func testMergeKeepsHashes() throws {
        let a = try makeTemporaryDirectory(self), b = try makeTemporaryDirectory(self), out = try makeTemporaryDirectory(self)
        let first = testDataset(5), second = testDataset(3, start: 5)
        try write(first, to: a)
        try write(second, to: b, withHashes: false)
        _ = try StoreMerger.merge(inputs: [a, b], into: out.appendingPathComponent("merged"))
        let store = try FeatureStore(directory: out.appendingPathComponent("merged"))
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: zip(store.paths, store.perceptualHashes)),
                       Dictionary(uniqueKeysWithValues: first.map { ($0.path, hashed($0).perceptualHash) } + second.map { ($0.path, nil) }))
    }

    func testMalformedHashIsNamed() throws {
        let dir = try makeTemporaryDirectory(self)
        try write(testDataset(2), to: dir)
        let index = dir.appendingPathComponent("shard-00000.index.jsonl")
        let lines = try String(contentsOf: index, encoding: .utf8).split(separator: "\n").map(String.init)
        let bad = lines[1].replacingOccurrences(of: "\"phash\":\"", with: "\"phash\":\"zz")
        try Data((lines[0] + "\n" + bad + "\n").utf8).write(to: index)
        XCTAssertThrowsStoreError(.corrupt, try FeatureStore(directory: dir), containing: "shard-00000.index.jsonl: line 2 is not a valid entry")
    }
}
