import Foundation
import XCTest
import ProbeStore
import ProbeTestSupport

/// A rerun on a folder whose files were added, removed or changed embeds only the new and
/// changed files, drops the rows of the others, and ends with the rows a fresh extraction of
/// the folder gives. A store made with other settings is refused unless `--overwrite`.
final class ExtractIncrementalTests: XCTestCase {
    /// A small dataset of real photos: 3 cats and 3 dogs copied from pets-mini.
    private func makeDataset() throws -> (root: URL, spares: [URL]) {
        let root = try ExtractTestSupport.temporaryFolder(self, "incremental-data")
        var spares: [URL] = []
        for label in ["cat", "dog"] {
            let source = ExtractTestSupport.petsMini.appendingPathComponent(label)
            let names = try FileManager.default.contentsOfDirectory(atPath: source.path).filter { $0.hasSuffix(".jpg") }.sorted()
            try FileManager.default.createDirectory(at: root.appendingPathComponent(label), withIntermediateDirectories: true)
            for name in names.prefix(3) {
                try FileManager.default.copyItem(at: source.appendingPathComponent(name),
                                                 to: root.appendingPathComponent(label).appendingPathComponent(name))
            }
            spares.append(source.appendingPathComponent(names[3]))
        }
        return (root, spares)
    }

    private func files(in root: URL, _ label: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(label).path).sorted().map { "\(label)/\($0)" }
    }

    func testRerunEmbedsOnlyAddedAndChangedFilesAndDropsRemovedOnes() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let (root, spares) = try makeDataset()
        let store = try ExtractTestSupport.temporaryFolder(self, "incremental-store")
        // --batch 3: the runs below batch different sets of images (a rerun batches only the new
        // files), which must not change a single bit of any row.
        let arguments = ExtractTestSupport.extractArguments(data: root, out: store, weights: weights, ["--batch", "3"])

        let first = try ExtractTestSupport.extractJSON(arguments)
        XCTAssertEqual(first["extracted"] as? Int, 6)
        XCTAssertEqual(first["rows"] as? Int, 6)

        let cats = try files(in: root, "cat")
        let removed = cats[0], changed = cats[1]
        let added = "dog/added-" + spares[1].lastPathComponent
        try FileManager.default.removeItem(at: root.appendingPathComponent(removed))
        // Other bytes under the same name: another cat photo written over it.
        let before = try Data(contentsOf: root.appendingPathComponent(changed))
        let replacement = try Data(contentsOf: spares[0])
        XCTAssertNotEqual(before, replacement)
        try replacement.write(to: root.appendingPathComponent(changed))
        try FileManager.default.copyItem(at: spares[1], to: root.appendingPathComponent(added))

        let second = try ExtractTestSupport.extractJSON(arguments)
        XCTAssertEqual(second["extracted"] as? Int, 2, "only the added and the changed file should be embedded: \(second)")
        XCTAssertEqual(second["kept"] as? Int, 4, "\(second)")
        XCTAssertEqual(second["dropped"] as? Int, 2, "the removed row and the changed file's old row: \(second)")
        XCTAssertEqual(second["skipped"] as? Int, 0)
        XCTAssertEqual(second["rows"] as? Int, 6)

        let incremental = try StoreRows(store)
        XCTAssertFalse(incremental.paths.contains(removed), "the removed file still has a row")
        XCTAssertEqual(Set(incremental.paths).count, incremental.paths.count, "duplicate rows")
        let finalFiles = try files(in: root, "cat") + files(in: root, "dog")
        XCTAssertEqual(Set(incremental.paths), Set(finalFiles))

        // A fresh extraction of the final folder, in other batches than the incremental runs used:
        // the same rows, bit for bit (the incremental store keeps old rows in place and appends
        // new ones, so compare by path).
        let freshStore = try ExtractTestSupport.temporaryFolder(self, "incremental-fresh")
        _ = try ExtractTestSupport.extractJSON(ExtractTestSupport.extractArguments(data: root, out: freshStore, weights: weights, ["--batch", "4"]))
        let fresh = try StoreRows(freshStore)
        XCTAssertEqual(fresh.paths, finalFiles)
        let incrementalRow = incremental.rowByPath
        for (row, path) in fresh.paths.enumerated() {
            guard let other = incrementalRow[path] else { XCTFail("\(path) missing from the incremental store"); continue }
            XCTAssertEqual(incremental.labels[other], fresh.labels[row], path)
            XCTAssertEqual(incremental.embeddings[other], fresh.embeddings[row], "\(path): embedding differs from a fresh extraction")
        }
        let verify = try runProbe(["verify", store.path])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)

        // Nothing changed: a third run embeds nothing and keeps everything.
        let third = try ExtractTestSupport.extractJSON(arguments)
        XCTAssertEqual(third["extracted"] as? Int, 0)
        XCTAssertEqual(third["kept"] as? Int, 6)
    }

    func testOtherImageSizeOrDTypeInSameStoreIsRefusedUnlessOverwrite() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let (root, _) = try makeDataset()
        let store = try ExtractTestSupport.temporaryFolder(self, "identity-store")
        _ = try ExtractTestSupport.extractJSON(ExtractTestSupport.extractArguments(data: root, out: store, weights: weights))
        let manifestBefore = try Data(contentsOf: store.appendingPathComponent("manifest.json"))

        for extra in [["--image-size", "192"], ["--dtype", "float16"]] {
            let refused = try runProbe(ExtractTestSupport.extractArguments(data: root, out: store, weights: weights, extra))
            XCTAssertNotEqual(refused.status, 0, "\(extra) into a float32/224 store was accepted")
            XCTAssertTrue(refused.stderr.contains("made differently"), "\(extra): unclear message: \(refused.stderr)")
            XCTAssertTrue(refused.stderr.contains("--overwrite"), "\(extra): the message should name --overwrite: \(refused.stderr)")
            XCTAssertTrue(refused.stderr.contains(store.path), "\(extra): the message should name the folder: \(refused.stderr)")
            XCTAssertEqual(try Data(contentsOf: store.appendingPathComponent("manifest.json")), manifestBefore,
                           "\(extra): a refused run changed the store")
        }

        let replaced = try ExtractTestSupport.extractJSON(
            ExtractTestSupport.extractArguments(data: root, out: store, weights: weights, ["--dtype", "float16", "--overwrite"]))
        XCTAssertEqual(replaced["extracted"] as? Int, 6)
        XCTAssertEqual(replaced["rows"] as? Int, 6)
        let reopened = try FeatureStore(directory: store)
        XCTAssertEqual(reopened.dtype, .float16)
        XCTAssertEqual(reopened.rowCount, 6)
    }
}
