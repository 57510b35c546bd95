import Foundation
import ProbeCore
import ProbeImages
import ProbeTestSupport
import XCTest

/// Damaged BMP, GIF, WebP, TIFF and PNM files: truncated, with the wrong magic, or declaring a huge
/// size. Each gives one line naming the file and the reason; none crashes or allocates the claimed size.
final class DamagedFormatsTests: XCTestCase {
    private let samples = ["bmp_rgb24.bmp", "bmp_palette8.bmp", "bmp_rle8.bmp", "gif_palette.gif", "gif_interlaced.gif",
                           "webp_lossy.webp", "webp_lossless_alpha.webp", "webp_animated.webp", "tiff_rgb_lzw.tif",
                           "tiff_rgb.tif", "tiff_tiled.tif", "tiff_rgb_planar.tif", "pnm_rgb.ppm", "pnm_gray16.pgm", "pnm_plain_rgb.ppm"]

    private func sample(_ file: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: TestPaths.fixture("formats/" + file)))
    }

    private func assertOneLineError(_ bytes: [UInt8], name: String, mentioning words: [String],
                                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ImageDecoder.decode(data: Data(bytes), name: name), name, file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix(name + ": "), message, file: file, line: line)
            XCTAssertFalse(message.contains("\n"), message, file: file, line: line)
            XCTAssertTrue(words.contains { message.contains($0) }, "\(message) mentions none of \(words)", file: file, line: line)
        }
    }

    func testTruncatedFilesAreNamedAsTruncatedOrCorrupt() throws {
        let formatWord = ["bmp": "BMP", "gif": "GIF", "webp": "WebP", "tif": "TIFF", "ppm": "PNM", "pgm": "PNM"]
        for file in samples {
            let bytes = try sample(file)
            let word = formatWord[String(file.split(separator: ".").last!)]!
            // Cut inside the pixel data (past every header).
            assertOneLineError(Array(bytes.prefix(bytes.count * 2 / 3)), name: "cut_" + file, mentioning: ["cannot decode \(word)"])
        }
    }

    func testWrongMagicIsNotAnImage() throws {
        for file in samples {
            var bytes = try sample(file)
            bytes[0] ^= 0x5A
            assertOneLineError(bytes, name: "magic_" + file, mentioning: ["not an image (unrecognised file signature)"])
        }
        // A GIF signature in front of a WebP body, a BMP signature in front of a TIFF body: the
        // decoder the magic chooses refuses the rest.
        let webp = try sample("webp_lossy.webp")
        assertOneLineError(Array("GIF89a".utf8) + webp.dropFirst(6), name: "gif_head.gif", mentioning: ["cannot decode GIF"])
        let tiff = try sample("tiff_rgb.tif")
        assertOneLineError(Array("BM".utf8) + tiff.dropFirst(2), name: "bmp_head.bmp", mentioning: ["cannot decode BMP"])
        assertOneLineError(Array("P7\n".utf8) + tiff, name: "pam.ppm", mentioning: ["not an image"])
        // Plain-text PNM: a sample over the maximum, and too few samples.
        assertOneLineError(Array("P3\n2 1\n255\n0 0 0 0 256 0\n".utf8), name: "over.ppm", mentioning: ["over the maximum 255"])
        assertOneLineError(Array("P2\n2 2\n15\n0 1 2\n".utf8), name: "short.pgm", mentioning: ["truncated or bad plain PNM"])
        assertOneLineError(Array("P1\n4 1\n0 1 x 0\n".utf8), name: "bad.pbm", mentioning: ["bad character"])
    }

    /// Headers patched to claim billions of pixels are refused by the pixel limit before any pixel
    /// buffer is allocated (the files are a few kilobytes).
    func testHugeDeclaredSizesAreRefusedByThePixelLimit() throws {
        func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
        let limit = ["over the limit of 100000000"]

        var bmp = try sample("bmp_rgb24.bmp")
        bmp.replaceSubrange(18..<26, with: le32(200_000) + le32(200_000))
        assertOneLineError(bmp, name: "huge.bmp", mentioning: limit)

        var gif = try sample("gif_palette.gif")
        gif.replaceSubrange(6..<10, with: [0xFF, 0xFF, 0xFF, 0xFF])  // logical screen 65535 x 65535
        assertOneLineError(gif, name: "huge.gif", mentioning: limit)

        var webp = try sample("webp_animated.webp")
        XCTAssertEqual(Array(webp[12..<16]), Array("VP8X".utf8))
        webp.replaceSubrange(24..<30, with: [0x5F, 0xEA, 0x00, 0x5F, 0xEA, 0x00])  // canvas 60000 x 60000
        assertOneLineError(webp, name: "huge.webp", mentioning: limit)

        var tiff = try sample("tiff_rgb_lzw.tif")
        let ifd = Int(tiff[4]) | Int(tiff[5]) << 8 | Int(tiff[6]) << 16 | Int(tiff[7]) << 24
        let count = Int(tiff[ifd]) | Int(tiff[ifd + 1]) << 8
        for entry in 0..<count {
            let at = ifd + 2 + 12 * entry
            let tag = Int(tiff[at]) | Int(tiff[at + 1]) << 8, type = Int(tiff[at + 2])
            if tag == 256 || tag == 257 {
                tiff.replaceSubrange(at + 8..<at + 12, with: type == 3 ? [0xFF, 0xFF, 0, 0] : le32(1_000_000))
            }
        }
        assertOneLineError(tiff, name: "huge.tif", mentioning: limit)

        let ppm = try sample("pnm_rgb.ppm")
        let body = ppm.suffix(48 * 32 * 3)
        assertOneLineError(Array("P6\n100000 100000\n255\n".utf8) + body, name: "huge.ppm", mentioning: limit)
    }

    /// The limit is the picture's width * height, for every format: one pixel under it refuses.
    func testPixelLimitAppliesToEveryNewFormat() throws {
        for file in samples {
            let data = Data(try sample(file))
            let image = try ImageDecoder.decode(data: data, name: file)
            let pixels = image.width * image.height
            XCTAssertNoThrow(try ImageDecoder.decode(data: data, name: file, options: DecodeOptions(pixelLimit: pixels)), file)
            XCTAssertThrowsError(try ImageDecoder.decode(data: data, name: file, options: DecodeOptions(pixelLimit: pixels - 1))) { error in
                XCTAssertTrue("\(error)".hasPrefix("\(file): image is \(image.width)x\(image.height) pixels, over the limit of \(pixels - 1)"), "\(error)")
            }
        }
    }

    /// Every prefix and many single-byte corruptions of each sample either decode to a whole picture
    /// or throw one line: never a crash, a hang or a message on stderr.
    func testDamagedSamplesNeverCrash() throws {
        for file in samples {
            let data = try sample(file)
            var generator = SplitMix64(seed: 11)
            for step in 0..<80 {
                var damaged = data
                if step < 40 {
                    damaged = Array(data.prefix(Int(generator.next() % UInt64(data.count))))
                } else {
                    let position = Int(generator.next() % UInt64(data.count))
                    damaged[position] = UInt8(truncatingIfNeeded: generator.next())
                }
                do {
                    let image = try ImageDecoder.decode(data: Data(damaged), name: "damaged")
                    XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
                } catch {
                    XCTAssertTrue("\(error)".hasPrefix("damaged: "), "\(error)")
                    XCTAssertFalse("\(error)".contains("\n"))
                }
            }
        }
    }
}
