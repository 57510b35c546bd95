import Foundation
import ProbeTestSupport
import XCTest

/// The fixtures `reference/images_fixtures.py` wrote (Pillow + torchvision outputs) and the shared photos.
struct ImageFixtureIndex: Decodable {
    struct Crop: Decodable {
        let name: String
        let source: String
        let imageSize: Int
        let mode: String
        let interpolation: String
        let exif: Bool
        let file: String
        let sourceSize: [Int]
    }
    struct DecodeDigest: Decodable {
        let source: String
        let width: Int
        let height: Int
        let fnv1a64: String
    }
    struct Normalize: Decodable {
        let source: String
        let imageSize: Int
        let file: String
    }
    struct SmallPNG: Decodable {
        let file: String
        let pillowMode: String
        let width: Int
        let height: Int
        let rgbHex: String

        var rgb: [UInt8] {
            var bytes: [UInt8] = []
            var index = rgbHex.startIndex
            while index < rgbHex.endIndex {
                let next = rgbHex.index(index, offsetBy: 2)
                bytes.append(UInt8(rgbHex[index..<next], radix: 16)!)
                index = next
            }
            return bytes
        }
    }
    let crops: [Crop]
    let decodes: [DecodeDigest]
    let pngs: [SmallPNG]
    let normalize: Normalize

    static func load() throws -> ImageFixtureIndex {
        let data = try Data(contentsOf: TestPaths.fixture("images/index.json"))
        return try JSONDecoder().decode(ImageFixtureIndex.self, from: data)
    }
}

enum SharedPhotos {
    /// `TestPaths.sharedDatasets`, or a skip when this machine has no copy of the shared photos.
    static func root() throws -> URL {
        let root = TestPaths.sharedDatasets
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("badinputs").path) else {
            throw MissingPrerequisite("shared datasets not found at \(root.path) (set PROBE_SHARED_DATASETS)")
        }
        return root
    }

    static func url(_ relative: String) throws -> URL {
        try root().appendingPathComponent(relative)
    }
}

/// FNV-1a 64-bit, the digest the reference script records for decoded pixels.
func fnv1a64(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes {
        hash ^= UInt64(b)
        hash = hash &* 0x0000_0100_0000_01B3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

/// Mean and max absolute difference of two byte arrays, in byte units (1 = 1/255).
func byteDifference(_ a: [UInt8], _ b: [UInt8]) -> (mean: Double, max: Int) {
    precondition(a.count == b.count)
    var total = 0, largest = 0
    for i in 0..<a.count {
        let d = abs(Int(a[i]) - Int(b[i]))
        total += d
        largest = max(largest, d)
    }
    return (Double(total) / Double(max(a.count, 1)), largest)
}
