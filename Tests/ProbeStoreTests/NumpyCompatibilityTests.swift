import Foundation
import ProbeCore
import ProbeStore
import ProbeTestSupport
import XCTest

/// Stores written by numpy (reference/store_fixtures.py) open in Probe, and Probe writes
/// the very same bytes numpy does for the same rows.
final class NumpyCompatibilityTests: XCTestCase {
    let fixtures = TestPaths.fixture("store")

    func testReadsNumpyWrittenFloat32Store() throws {
        let store = try FeatureStore(directory: fixtures.appendingPathComponent("numpy-f32"))
        let source = try NPYArray.read(contentsOf: fixtures.appendingPathComponent("numpy-f32-source.npy"))
        XCTAssertEqual(store.rowCount, 5)
        XCTAssertEqual(store.dim, 4)
        XCTAssertEqual(store.classes, ["cat", "dog"])
        XCTAssertEqual(store.matrix().values, source.floats())
        XCTAssertEqual(store.paths[1], "cat/café \"quoted\".jpg")
        XCTAssertEqual(store.paths[2], "dog/back\\slash.jpg")
        XCTAssertEqual(store.labels, [0, 0, 1, 1, 0])
        XCTAssertEqual(store.identity.preprocessing, .object([
            "recipe": .string("resize256-centercrop224"), "image_size": .number(224),
            "mean": .array([.number(0.485), .number(0.456), .number(0.406)]),
            "std": .array([.number(0.229), .number(0.224), .number(0.225)]),
        ]))
    }

    func testReadsNumpyWrittenFloat16Store() throws {
        let store = try FeatureStore(directory: fixtures.appendingPathComponent("numpy-f16"))
        let halves = try NPYArray.read(contentsOf: fixtures.appendingPathComponent("numpy-f16/shard-00000.emb.npy"))
        XCTAssertEqual(halves.dtype, .float16)
        XCTAssertEqual(store.matrix().values, halves.floats())
    }

    /// Probe's writer given numpy's rows, paths and skipped file writes byte-identical
    /// shard, index and errors files (and therefore the same checksums).
    func testWriterReproducesNumpyStoreByteForByte() throws {
        for (name, shardRows) in [("numpy-f32", 3), ("numpy-f16", 4)] {
            let reference = fixtures.appendingPathComponent(name)
            let manifest = try StoreManifest.require(directory: reference)
            let source = try NPYArray.read(contentsOf: fixtures.appendingPathComponent("\(name)-source.npy")).floats()
            let dir = try makeTemporaryDirectory(self)
            let writer = try StoreWriter(directory: dir, identity: manifest.identity, classes: manifest.classes, shardRows: shardRows)
            var entries: [DatasetFile] = []
            for shard in manifest.shards {
                entries += try JSONLines.decode(DatasetFile.self, from: reference.appendingPathComponent(shard.index))
            }
            // Append one row at a time: shard boundaries must come from shardRows alone.
            for (i, entry) in entries.enumerated() {
                try writer.append(embeddings: Array(source[(i * manifest.identity.dim)..<((i + 1) * manifest.identity.dim)]), entries: [entry])
            }
            let errorsURL = reference.appendingPathComponent("errors.jsonl")
            if FileManager.default.fileExists(atPath: errorsURL.path) {
                for skipped in try JSONLines.decode(SkippedFile.self, from: errorsURL) { try writer.recordSkipped(skipped) }
            }
            let written = try writer.finish()
            XCTAssertEqual(written.shards, manifest.shards, name)
            XCTAssertEqual(written.totals, manifest.totals, name)
            let ours = try storeFiles(dir), theirs = try storeFiles(reference)
            XCTAssertEqual(Set(ours.keys), Set(theirs.keys), name)
            for (file, bytes) in theirs where file != StoreManifest.fileName {
                XCTAssertEqual(ours[file], bytes, "\(name)/\(file) differs from numpy's")
            }
        }
    }

    /// numpy itself opens a store Probe wrote (Debian's python3-numpy, which scripts/setup installs).
    func testNumpyOpensProbeWrittenStore() throws {
        let python = TestPaths.numpyPython
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw MissingPrerequisite("no python3 at \(python): run scripts/setup (python3-numpy) or set PROBE_REFERENCE_PYTHON")
        }
        for dtype in EmbeddingDType.allCases {
            let dir = try makeTemporaryDirectory(self)
            let files = testDataset(7)
            let writer = try StoreWriter(directory: dir, identity: testIdentity(dtype: dtype, dim: 6), classes: testClasses, shardRows: 3)
            try extract(files, into: writer)
            try writer.finish()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [TestPaths.repoRoot.appendingPathComponent("reference/store_numpy_check.py").path, dir.path]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, String(decoding: data, as: UTF8.self))
            let summary = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            XCTAssertEqual(summary["rows"] as? Int, 7)
            XCTAssertEqual(summary["problems"] as? [String], [])
            // numpy's sum of the matrix equals ours (same values, read through a different reader).
            let ours = try FeatureStore(directory: dir).matrix().values.reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(summary["sum"] as! Double, ours, accuracy: 1e-9 * max(1, abs(ours)))
        }
    }
}
