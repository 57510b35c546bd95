import Foundation
import ProbeCore
import ProbeImages
import ProbeTestSupport
import XCTest

/// The perceptual hash: the exact values `reference/phash_fixtures.py` computes for the same pixels
/// (so the definition cannot drift), stability under the edits a duplicate finder must see through,
/// and distance between unrelated photos.
final class PerceptualHashTests: XCTestCase {
    struct Index: Decodable {
        struct Photo: Decodable { let file: String; let of: String; let edit: String; let phash: String }
        struct Unrelated: Decodable { let file: String; let phash: String }
        struct Synthetic: Decodable { let width: Int; let height: Int; let seed: Int; let phash: String }
        let photos: [Photo]
        let unrelated: [Unrelated]
        let synthetic: [Synthetic]

        static func load() throws -> Index {
            try JSONDecoder().decode(Index.self, from: Data(contentsOf: TestPaths.fixture("phash/index.json")))
        }
    }

    /// The reference script's `synthetic` formula.
    func syntheticImage(width: Int, height: Int, seed: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    let smooth = (x * (3 + c) + y * (5 + 2 * c) + seed * 17) % 256
                    let texture = ((x * 2_654_435_761 + y * 40503 + c * 97 + seed) >> 7) % 32
                    pixels[(y * width + x) * 3 + c] = UInt8((smooth + texture) % 256)
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    func hash(ofFile relative: String) throws -> UInt64 {
        let url = TestPaths.repoRoot.appendingPathComponent(relative)
        return PerceptualHash.compute(try ImageDecoder.decode(contentsOf: url))
    }

    func testSyntheticPicturesHashExactlyAsTheReference() throws {
        let index = try Index.load()
        XCTAssertFalse(index.synthetic.isEmpty)
        for case let s in index.synthetic {
            let image = syntheticImage(width: s.width, height: s.height, seed: s.seed)
            XCTAssertEqual(PerceptualHash.hex(PerceptualHash.compute(image)), s.phash, "\(s.width)x\(s.height) seed \(s.seed)")
        }
    }

    func testPhotosHashExactlyAsTheReferenceOnPillowsPixels() throws {
        // ImageDecoder matches Pillow's decode of baseline JPEGs, so the hashes match bit for bit.
        let index = try Index.load()
        for photo in index.photos {
            XCTAssertEqual(PerceptualHash.hex(try hash(ofFile: photo.file)), photo.phash, photo.file)
        }
    }

    func testEditedCopiesStayWithinEightBitsAndMirrorsAndUnrelatedPhotosDoNot() throws {
        let index = try Index.load()
        var originals: [String: UInt64] = [:]
        for photo in index.photos where photo.edit == "original" { originals[photo.of] = try hash(ofFile: photo.file) }
        XCTAssertEqual(originals.count, 2)
        for photo in index.photos where photo.edit != "original" {
            let distance = PerceptualHash.hammingDistance(originals[photo.of]!, try hash(ofFile: photo.file))
            if photo.edit == "mirror" {
                // A pHash is not mirror-invariant: the embeddings have to find these pairs.
                XCTAssertGreaterThan(distance, 16, photo.file)
            } else {
                XCTAssertLessThanOrEqual(distance, 8, photo.file)
            }
        }
        // 98 unrelated pets (cats and dogs with similar framing): every pair is far apart.
        let hashes = try index.unrelated.map { try hash(ofFile: $0.file) } + Array(originals.values)
        var closest = 64, total = 0, pairs = 0
        for i in hashes.indices {
            for j in (i + 1)..<hashes.count {
                let d = PerceptualHash.hammingDistance(hashes[i], hashes[j])
                closest = min(closest, d)
                total += d
                pairs += 1
            }
        }
        XCTAssertGreaterThan(closest, 8)
        XCTAssertEqual(Double(total) / Double(pairs), 32, accuracy: 4, "unrelated photos differ in about half the bits")
    }

    func testHexAndDistanceHelpers() {
        XCTAssertEqual(PerceptualHash.hex(0), "0000000000000000")
        XCTAssertEqual(PerceptualHash.hex(0xB241_DD25_E29C_E0CF), "b241dd25e29ce0cf")
        XCTAssertEqual(PerceptualHash.parse(hex: "B241DD25E29CE0CF"), 0xB241_DD25_E29C_E0CF)
        XCTAssertNil(PerceptualHash.parse(hex: "b241dd25e29ce0c"))      // 15 digits
        XCTAssertNil(PerceptualHash.parse(hex: "b241dd25e29ce0cg"))
        XCTAssertNil(PerceptualHash.parse(hex: "+241dd25e29ce0cf"))
        XCTAssertNil(PerceptualHash.parse(hex: "b241dd25e29ce0\u{e9}"))  // 16 bytes, the last two not ASCII
        var random = SplitMix64(seed: 5)
        for _ in 0..<1000 {
            let value = random.next()
            XCTAssertEqual(PerceptualHash.parse(hex: PerceptualHash.hex(value)), value)
            XCTAssertEqual(PerceptualHash.parse(hex: PerceptualHash.hex(value).uppercased()), value)
        }
        XCTAssertEqual(PerceptualHash.hammingDistance(0, .max), 64)
        XCTAssertEqual(PerceptualHash.hammingDistance(0b1011, 0b0110), 3)
    }
}
