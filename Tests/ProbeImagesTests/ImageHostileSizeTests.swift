import Foundation
import ProbeImages
import ProbeTestSupport
import XCTest

/// Image headers that claim far more pixels than their files hold (docs/fuzzing.md): refused from
/// the header, before the pixels are allocated, with the file's name.
final class ImageHostileSizeTests: XCTestCase {
    /// A real 32 KB photo whose frame header is rewritten to claim 10000x10000 pixels (exactly the
    /// default pixel limit). libjpeg would pad the missing blocks with grey after a warning Probe
    /// tolerates, so before the check this returned a 300 MB grey picture.
    func testJPEGClaimingMorePixelsThanItsBytesIsRefused() throws {
        var bytes = [UInt8](try Data(contentsOf: TestPaths.repoRoot.appendingPathComponent("data/pets-mini/cat/cat.1005.jpg")))
        guard let sof = (0..<(bytes.count - 9)).first(where: { bytes[$0] == 0xFF && (0xC0...0xC2).contains(bytes[$0 + 1]) }) else {
            return XCTFail("no frame header")
        }
        bytes.replaceSubrange((sof + 5)..<(sof + 9), with: [0x27, 0x10, 0x27, 0x10])  // height, width 10000
        XCTAssertThrowsError(try ImageDecoder.decode(data: Data(bytes), name: "forged.jpg")) { error in
            XCTAssertTrue("\(error)".contains("forged.jpg"), "\(error)")
            XCTAssertTrue("\(error)".contains("JPEG header claims 10000x10000 pixels, more than its"), "\(error)")
        }
    }

    /// A 166-byte PNG whose header (CRC fixed) claims 10000x10000 pixels.
    func testPNGClaimingMorePixelsThanItsBytesIsRefused() throws {
        var bytes = [UInt8](try Data(contentsOf: TestPaths.fixture("images/gray8.png")))
        XCTAssertEqual(Array(bytes[12..<16]), Array("IHDR".utf8))
        bytes.replaceSubrange(16..<24, with: [0, 0, 0x27, 0x10, 0, 0, 0x27, 0x10])
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes[12..<29] {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        crc ^= 0xFFFF_FFFF
        bytes.replaceSubrange(29..<33, with: [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)])
        XCTAssertThrowsError(try ImageDecoder.decode(data: Data(bytes), name: "forged.png")) { error in
            XCTAssertTrue("\(error)".contains("PNG header claims 10000x10000 pixels, more than its 166 bytes can hold"), "\(error)")
        }
    }

    /// The bound leaves real pictures alone: every committed photo and PNG fixture still decodes.
    func testRealImagesStillDecode() throws {
        for folder in ["data/pets-mini/cat", "data/pets-mini/dog"] {
            let url = TestPaths.repoRoot.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted().prefix(5) {
                XCTAssertNoThrow(try ImageDecoder.decode(contentsOf: url.appendingPathComponent(name)), name)
            }
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: TestPaths.fixture("images").path) where name.hasSuffix(".png") {
            XCTAssertNoThrow(try ImageDecoder.decode(contentsOf: TestPaths.fixture("images/\(name)")), name)
        }
    }
}
