import Foundation
import ProbeBackbones
import ProbeCore
import ProbeImages
import ProbePipeline
import ProbeStore
import ProbeTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A photo deleted or rewritten after the scan listed it, before its batch is read: the
/// deleted one is skipped with its reason, the rewritten one is embedded from its new bytes
/// and indexed with their hash, size and mtime (never the new hash with the old size), so the
/// next run keeps its row instead of extracting it again.
final class FilesChangingUnderScanTests: XCTestCase {
    static func lite0Weights() throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["PROBE_LITE0_PTH"], FileManager.default.fileExists(atPath: path) { return URL(fileURLWithPath: path) }
        let cache = environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: NSHomeDirectory()).appendingPathComponent(".cache")
        let url = cache.appendingPathComponent("probe/models/efficientnet-lite0-57934424.pth")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MissingPrerequisite("no Lite0 weights: run `probe models fetch efficientnet_lite0` or set PROBE_LITE0_PTH")
        }
        return url
    }

    func folder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("probe-change-\(name)-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func request(data: URL, out: URL, weights: URL) -> ExtractionRequest {
        var request = ExtractionRequest(model: .efficientnet_lite0, weights: weights, data: data, out: out, recipe: .imagenet())
        request.batchSize = 2
        request.shardRows = 2
        request.threads = 1
        return request
    }

    func testAPhotoDeletedOrRewrittenAfterTheScanIsSkippedOrEmbeddedFromItsNewBytes() throws {
        let weights = try Self.lite0Weights()
        let pets = TestPaths.repoRoot.appendingPathComponent("data/pets-mini")
        let data = try folder("data")
        var photos: [String: [String]] = [:]
        for label in ["cat", "dog"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: pets.appendingPathComponent(label).path).filter { $0.hasSuffix(".jpg") }.sorted()
            photos[label] = names
            try FileManager.default.createDirectory(at: data.appendingPathComponent(label), withIntermediateDirectories: true)
            for name in names.prefix(3) {
                try FileManager.default.copyItem(at: pets.appendingPathComponent("\(label)/\(name)"), to: data.appendingPathComponent("\(label)/\(name)"))
            }
        }
        // Dataset order is cat/… then dog/…; the first batch (2 files) is embedded before the change.
        let deleted = "cat/\(photos["cat"]![2])"
        let rewritten = "dog/\(photos["dog"]![1])"
        let newBytes = try Data(contentsOf: pets.appendingPathComponent("dog/\(photos["dog"]![10])"))
        XCTAssertNotEqual(newBytes, try Data(contentsOf: data.appendingPathComponent(rewritten)))

        let out = try folder("out")
        var changed = false
        let summary = try Extraction.run(request(data: data, out: out, weights: weights)) { _ in
            guard !changed else { return }
            changed = true
            try? FileManager.default.removeItem(at: data.appendingPathComponent(deleted))
            // In place (truncate and write), as an editor saving over the file would.
            try? newBytes.write(to: data.appendingPathComponent(rewritten))
        }
        XCTAssertTrue(changed)
        XCTAssertEqual(summary.skipped, 1)
        let store = try FeatureStore(directory: out)
        XCTAssertEqual(store.rowCount, 5)
        XCTAssertFalse(store.paths.contains(deleted))
        let skipped = try JSONLines.decode(SkippedFile.self, from: out.appendingPathComponent("errors.jsonl"))
        XCTAssertEqual(skipped.map(\.path), [deleted])
        XCTAssertTrue(skipped[0].reason.contains("cannot read"), skipped[0].reason)

        // The rewritten photo's row: the new bytes' hash, size and mtime, and their embedding.
        var entries: [DatasetFile] = []
        for shard in store.manifest.shards { entries += try JSONLines.decode(DatasetFile.self, from: out.appendingPathComponent(shard.index)) }
        let entry = try XCTUnwrap(entries.first { $0.path == rewritten })
        XCTAssertEqual(entry.sha256, SHA256Digest.data(newBytes))
        XCTAssertEqual(entry.size, Int64(newBytes.count), "index size is the scan's, not that of the bytes embedded")
        var now = stat()
        XCTAssertEqual(stat(data.appendingPathComponent(rewritten).path, &now), 0)
        XCTAssertEqual(entry.mtimeNanoseconds, Int64(now.st_mtim.tv_sec) * 1_000_000_000 + Int64(now.st_mtim.tv_nsec))
        let alone = try folder("alone")
        try FileManager.default.createDirectory(at: alone.appendingPathComponent("dog"), withIntermediateDirectories: true)
        try newBytes.write(to: alone.appendingPathComponent("dog/new.jpg"))
        let aloneOut = try folder("alone-out")
        _ = try Extraction.run(request(data: alone, out: aloneOut, weights: weights))
        let reference = try FeatureStore(directory: aloneOut).row(0)
        let row = try XCTUnwrap(store.paths.firstIndex(of: rewritten))
        XCTAssertEqual(store.row(row), reference, "the row is not the embedding of the new bytes")

        // The row agrees with the file as it is now, so a rerun keeps it.
        let again = try Extraction.run(request(data: data, out: out, weights: weights))
        XCTAssertEqual(again.extracted, 0, "a row indexed with stale size/mtime is extracted again")
        XCTAssertEqual(again.kept, 5)
    }
}
