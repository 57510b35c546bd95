import Foundation
import ProbeCore
import ProbeStore
import XCTest

/// Index lines: the writer's canonical form round-trips any path, and a reader accepts any
/// valid JSON line (other key order, spaces, escapes), as a hand-edited or foreign index has.
final class IndexFileTests: XCTestCase {
    func testPathsNeedingEscapesRoundTrip() throws {
        let dir = try makeTemporaryDirectory(self)
        let paths = ["cat/quote\".jpg", "cat/back\\slash.jpg", "dog/new\nline.jpg", "dog/tab\t.jpg", "dog/ünï €.jpg", "dog/\u{1}ctl.jpg", "cat/plain.jpg"]
        let files = paths.enumerated().map { DatasetFile(path: $1, label: $0 % 2, size: Int64($0), mtimeNanoseconds: -Int64($0)) }
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses)
        try extract(files, into: writer)
        try writer.finish()
        let store = try FeatureStore(directory: dir)
        XCTAssertEqual(store.paths, paths)
        XCTAssertEqual(store.labels, files.map(\.label))
        // Every line is valid JSON that decodes to the entry written.
        XCTAssertEqual(try JSONLines.decode(DatasetFile.self, from: dir.appendingPathComponent("shard-00000.index.jsonl")), files.map(testEntry))
    }

    func testReaderAcceptsNonCanonicalLinesAndNamesABadOne() throws {
        let dir = try makeTemporaryDirectory(self)
        let files = testDataset(3)
        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses)
        try extract(files, into: writer)
        try writer.finish()
        let index = dir.appendingPathComponent("shard-00000.index.jsonl")
        let entries = files.map(testEntry)
        let lines = [
            entries[0].jsonLine,
            "{ \"sha256\": \"\(entries[1].sha256!)\", \"mtime_ns\": \(entries[1].mtimeNanoseconds), \"size\": \(entries[1].size), \"label\": \(entries[1].label), \"path\": \"\(entries[1].path)\" }",
            entries[2].jsonLine.replacingOccurrences(of: "/", with: "\\/"),
        ]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: index)
        XCTAssertEqual(try FeatureStore(directory: dir).paths, files.map(\.path))

        try Data((lines[0] + "\n{\"path\":\"x\",\"label\":1}\n").utf8).write(to: index)
        XCTAssertThrowsStoreError(.corrupt, try FeatureStore(directory: dir), containing: "shard-00000.index.jsonl: line 2 is not a valid entry")
    }
}
