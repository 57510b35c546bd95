import Foundation
import ProbeStore
import ProbeTestSupport
import XCTest

/// Readers of a store that an extraction is appending to see exactly the committed shards:
/// `probe verify` finds every file the manifest names whole (checksums match), `probe info`
/// reads a consistent manifest, numpy's `np.load(mmap_mode="r")` opens every listed shard
/// with the listed row count, and `probe fit-logreg` trains on what is there. Run over and
/// over while the writer commits a shard every few images, so they meet many interleavings.
final class ReaderDuringWriteTests: XCTestCase {
    /// Opens every shard the manifest lists with numpy alone and checks its rows against the
    /// manifest and the index; prints the row count.
    static let numpyReader = """
    json, sys, np = __import__("json"), __import__("sys"), __import__("numpy")
    store = sys.argv[1]
    manifest = json.load(open(store + "/manifest.json"))
    total = 0
    for shard in manifest["shards"]:
        emb = np.load(store + "/" + shard["embeddings"], mmap_mode="r")
        labels = np.load(store + "/" + shard["labels"], mmap_mode="r")
        index = [line for line in open(store + "/" + shard["index"]) if line.strip()]
        rows = shard["rows"]
        assert emb.shape == (rows, manifest["identity"]["dim"]), (shard, emb.shape)
        assert labels.shape == (rows,) and len(index) == rows, shard
        assert np.isfinite(emb).all(), shard
        total += rows
    assert total == manifest["totals"]["rows"], (total, manifest["totals"])
    print(total)
    """

    func testReadersDuringAnExtractionSeeOnlyCommittedShards() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let store = try ExtractTestSupport.temporaryFolder(self, "rdw-store")
        let work = try ExtractTestSupport.temporaryFolder(self, "rdw-work")
        // The 800 shared cats_dogs photos on one thread with 4-row shards: 200 commits over several
        // seconds even on a quiet machine (the 100 pets-mini photos took 2 s there, too few rounds).
        let photos = TestPaths.sharedDatasets.appendingPathComponent("cats_dogs")
        guard FileManager.default.fileExists(atPath: photos.path) else { throw MissingPrerequisite("\(photos.path) not found; set PROBE_SHARED_DATASETS") }
        let photoCount = try ["cat", "dog"].reduce(0) { $0 + (try FileManager.default.contentsOfDirectory(atPath: photos.appendingPathComponent($1).path).count) }
        let writer = try ExtractTestSupport.start(ExtractTestSupport.extractArguments(
            data: photos, out: store, weights: weights,
            ["--batch", "4", "--shard-rows", "4", "--threads", "1"]))
        defer { ExtractTestSupport.kill9(writer) }
        XCTAssertTrue(ExtractTestSupport.wait(for: writer) { ExtractTestSupport.committedRows(store) != nil })

        var seenRows = Set<Int>()
        var rounds = 0, fits = 0
        while writer.isRunning {
            rounds += 1
            let verify = try runProbe(["verify", store.path])
            XCTAssertEqual(verify.status, 0, "verify during a write: \(verify.stdout)\(verify.stderr)")
            XCTAssertTrue(verify.stdout.hasPrefix("ok: "), verify.stdout)

            let info = try runProbe(["info", "--json", store.path])
            XCTAssertEqual(info.status, 0, info.stderr)
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
            let rows = try XCTUnwrap(object["rows"] as? Int)
            let classRows = (object["classes"] as? [[String: Any]])?.compactMap { $0["rows"] as? Int } ?? []
            XCTAssertEqual(classRows.reduce(0, +), rows, "info: class counts disagree with the rows: \(info.stdout)")
            seenRows.insert(rows)

            let numpy = try runTool(TestPaths.numpyPython, ["-c", Self.numpyReader, store.path])
            XCTAssertEqual(numpy.status, 0, "numpy during a write: \(numpy.stderr)")
            if let count = Int(numpy.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) { seenRows.insert(count) }

            // A fit needs both classes; the cats come first in order.
            if classRows.count == 2 && classRows.allSatisfy({ $0 >= 4 }) {
                let model = work.appendingPathComponent("model-\(rounds).json")
                let fit = try runProbe(["fit-logreg", store.path, "--val-split", "0", "--out", model.path], currentDirectory: work)
                XCTAssertEqual(fit.status, 0, "fit during a write: \(fit.stderr)")
                fits += 1
            }
        }
        writer.waitUntilExit()
        XCTAssertEqual(writer.terminationStatus, 0)
        XCTAssertEqual(ExtractTestSupport.committedRows(store), photoCount)
        // Evidence the readers met the writer at many different points.
        XCTAssertGreaterThanOrEqual(seenRows.count, 5, "readers saw only \(seenRows.sorted()) rows; the test did not interleave")
        XCTAssertGreaterThan(fits, 0, "no fit ran while the writer was writing")
    }

    func runTool(_ tool: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}
