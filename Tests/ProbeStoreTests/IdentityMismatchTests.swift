import Foundation
import ProbeStore
import XCTest

/// Embeddings made differently never share a folder: a writer with another identity is
/// refused with a message naming what differs, unless it asks to overwrite.
final class IdentityMismatchTests: XCTestCase {
    func makeStore(identity: StoreIdentity = testIdentity(), part: StorePart? = nil) throws -> URL {
        let dir = try makeTemporaryDirectory(self)
        let writer = try StoreWriter(directory: dir, identity: identity, classes: testClasses, part: part, shardRows: 2)
        try extract(testDataset(3), into: writer)
        try writer.finish()
        return dir
    }

    func testEachIdentityFieldThatDiffersIsRefusedByName() throws {
        let dir = try makeStore()
        var weights = testIdentity()
        weights.weightsSHA256 = String(repeating: "cd", count: 32)
        var preprocessing = testIdentity()
        preprocessing.preprocessing = .object(["recipe": .string("resize256-centercrop224"), "image_size": .number(256)])
        let cases: [(StoreIdentity, String)] = [
            (testIdentity(model: "vgg16"), "model tinynet (store) vs vgg16 (requested)"),
            (weights, "weights sha256 abababababab (store) vs cdcdcdcdcdcd (requested)"),
            (preprocessing, "\"image_size\":256"),
            (testIdentity(pool: "max"), "pool avg (store) vs max (requested)"),
            (testIdentity(dtype: .float16), "dtype float32 (store) vs float16 (requested)"),
            (testIdentity(dim: 4), "dim 3 (store) vs 4 (requested)"),
        ]
        for (identity, phrase) in cases {
            XCTAssertThrowsStoreError(.identityMismatch, try StoreWriter(directory: dir, identity: identity, classes: testClasses), containing: phrase)
        }
        // The refused writers changed nothing.
        XCTAssertEqual(try FeatureStore(directory: dir).rowCount, 3)
        XCTAssertEqual(try StoreManifest.require(directory: dir).identity, testIdentity())
    }

    func testOverwriteReplacesAStoreMadeDifferently() throws {
        let dir = try makeStore()
        let identity = testIdentity(model: "vgg16", dim: 5)
        let writer = try StoreWriter(directory: dir, identity: identity, classes: ["a", "b", "c"], overwrite: true)
        try writer.finish()
        let store = try FeatureStore(directory: dir)
        XCTAssertEqual(store.identity, identity)
        XCTAssertEqual(store.rowCount, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["manifest.json", "writer.lock"])
    }

    func testStoreOfAnotherPartIsRefused() throws {
        let dir = try makeStore(part: try StorePart(index: 1, count: 4))
        XCTAssertThrowsStoreError(.partMismatch, try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, part: try StorePart(index: 2, count: 4)), containing: "part 1/4")
        XCTAssertThrowsStoreError(.partMismatch, try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses))
    }

    func testFolderWithOtherFilesIsNotTakenOver() throws {
        let dir = try makeTemporaryDirectory(self)
        try Data("my notes".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        XCTAssertThrowsStoreError(.notAStore, try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses), containing: "notes.txt")
        XCTAssertThrowsStoreError(.notAStore, try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, overwrite: true))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("notes.txt").path))
    }

    func testUnreadableManifestIsRefusedUnlessOverwriting() throws {
        let dir = try makeStore()
        try Data("{ not json".utf8).write(to: dir.appendingPathComponent("manifest.json"))
        XCTAssertThrowsStoreError(.corrupt, try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses), containing: "manifest.json")
        try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses, overwrite: true).finish()
        XCTAssertEqual(try FeatureStore(directory: dir).rowCount, 0)
    }
}
