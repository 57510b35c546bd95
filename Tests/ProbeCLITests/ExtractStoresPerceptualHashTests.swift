import Foundation
import XCTest
import ProbeStore
import ProbeTestSupport

/// `probe extract` hashes each photo's pixels as it decodes them: the store's hashes are the ones
/// `reference/phash_fixtures.py` computes from Pillow's decode of the same files.
final class ExtractStoresPerceptualHashTests: XCTestCase {
    struct Index: Decodable {
        struct Photo: Decodable { let file: String; let edit: String; let phash: String }
        let photos: [Photo]
    }

    func testStoredHashesMatchTheReferenceComputedFromPillowsDecode() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let index = try JSONDecoder().decode(Index.self, from: Data(contentsOf: TestPaths.fixture("phash/index.json")))
        let root = try ExtractTestSupport.temporaryFolder(self, "phash-data")
        var expected: [String: String] = [:]
        for (i, photo) in index.photos.enumerated() {
            let label = i % 2 == 0 ? "a" : "b"
            try FileManager.default.createDirectory(at: root.appendingPathComponent(label), withIntermediateDirectories: true)
            let path = "\(label)/\(i)-\(URL(fileURLWithPath: photo.file).lastPathComponent)"
            try FileManager.default.copyItem(at: TestPaths.repoRoot.appendingPathComponent(photo.file), to: root.appendingPathComponent(path))
            expected[path] = photo.phash
        }
        let out = try ExtractTestSupport.temporaryFolder(self, "phash-store")
        let result = try runProbe(ExtractTestSupport.extractArguments(data: root, out: out, weights: weights, ["--batch", "5"]))
        XCTAssertEqual(result.status, 0, result.stderr)
        let store = try FeatureStore(directory: out)
        XCTAssertEqual(store.rowCount, index.photos.count)
        XCTAssertTrue(store.hasPerceptualHashes)
        for (path, hash) in zip(store.paths, store.perceptualHashes) {
            XCTAssertEqual(hash.map(PerceptualHashText.hex), expected[path], path)
        }
    }
}

/// The 16-digit form, written out here so this test does not lean on the code it checks.
enum PerceptualHashText {
    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
