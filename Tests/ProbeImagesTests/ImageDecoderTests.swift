import Foundation
import ProbeCore
import ProbeImages
import ProbeTestSupport
import XCTest

/// Both decoders against Pillow's decoded pixels, and the decoder's guards.
final class ImageDecoderTests: XCTestCase {
    /// FNV-1a digests of Pillow's `convert("RGB")` bytes, from reference/images_fixtures.py.
    func testJPEGAndPNGDecodesAreBitIdenticalToPillow() throws {
        let index = try ImageFixtureIndex.load()
        XCTAssertFalse(index.decodes.isEmpty)
        for expected in index.decodes {
            let image = try ImageDecoder.decode(contentsOf: try SharedPhotos.url(expected.source))
            XCTAssertEqual([image.width, image.height], [expected.width, expected.height], expected.source)
            XCTAssertEqual(fnv1a64(image.pixels), expected.fnv1a64, expected.source)
        }
    }

    /// Every PNG colour type and bit depth (1/2/4/8/16-bit gray, gray+alpha, RGB, RGBA, palettes with
    /// tRNS, Adam7) against Pillow's convert("RGB"): alpha dropped, 16-bit high byte, 16-bit gray clipped.
    func testEveryPNGKindMatchesPillowConvertRGB() throws {
        let index = try ImageFixtureIndex.load()
        XCTAssertGreaterThanOrEqual(index.pngs.count, 15)
        for png in index.pngs {
            let image = try ImageDecoder.decode(contentsOf: TestPaths.fixture("images/" + png.file))
            XCTAssertEqual([image.width, image.height], [png.width, png.height], png.file)
            XCTAssertEqual(image.pixels, png.rgb, "\(png.file) (Pillow mode \(png.pillowMode))")
        }
    }

    func testPixelLimitRefusesBeforeDecoding() throws {
        let url = try SharedPhotos.url("badinputs/a/ok_baseline.jpg")  // 320 x 213 = 68,160 pixels
        XCTAssertNoThrow(try ImageDecoder.decode(contentsOf: url, options: DecodeOptions(pixelLimit: 68_160)))
        XCTAssertThrowsError(try ImageDecoder.decode(contentsOf: url, options: DecodeOptions(pixelLimit: 68_159), displayName: "x.jpg")) { error in
            XCTAssertTrue("\(error)".hasPrefix("x.jpg: image is 320x213 pixels, over the limit of 68159"), "\(error)")
        }
        let png = try SharedPhotos.url("badinputs/b/rgb_16bit.png")
        XCTAssertThrowsError(try ImageDecoder.decode(contentsOf: png, options: DecodeOptions(pixelLimit: 100)))
    }

    /// A PNG header claiming 100000 x 100000 pixels, followed by an empty IDAT: refused by the limit,
    /// so nothing near 30 GB is ever allocated.
    func testDecompressionBombHeaderIsRefused() throws {
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let ihdr: [UInt8] = [0x00, 0x01, 0x86, 0xA0, 0x00, 0x01, 0x86, 0xA0, 8, 2, 0, 0, 0]
        png += [0, 0, 0, 13] + Array("IHDR".utf8) + ihdr + crc32(Array("IHDR".utf8) + ihdr)
        png += [0, 0, 0, 0] + Array("IDAT".utf8) + crc32(Array("IDAT".utf8))
        XCTAssertThrowsError(try ImageDecoder.decode(data: Data(png), name: "bomb.png")) { error in
            XCTAssertTrue("\(error)".contains("over the limit"), "\(error)")
        }
    }

    func testFastDecodeKeepsTheShorterSideAboveWhatTheResizeNeeds() throws {
        var options = DecodeOptions(fastDecode: true, minimumShorterSide: 256)
        XCTAssertEqual(ImageDecoder.dctScaleNumerator(width: 1024, height: 683, options: options), 3)  // 683*3/8 = 256.1
        XCTAssertEqual(ImageDecoder.dctScaleNumerator(width: 500, height: 375, options: options), 6)  // 281 >= 256, 5/8 gives 234
        XCTAssertEqual(ImageDecoder.dctScaleNumerator(width: 300, height: 200, options: options), 8)
        options.fastDecode = false
        XCTAssertEqual(ImageDecoder.dctScaleNumerator(width: 4096, height: 4096, options: options), 8)

        let url = try SharedPhotos.url("alpaca/alpaca/daf7678f279e0da6.jpg")  // 1024 x 1024
        let full = try ImageDecoder.decode(contentsOf: url)
        let fast = try ImageDecoder.decode(contentsOf: url, options: DecodeOptions(fastDecode: true))
        XCTAssertEqual([fast.width, fast.height], [256, 256])
        XCTAssertEqual([fast.sourceWidth, fast.sourceHeight], [1024, 1024])
        // Same picture: the preprocessed crops stay close (the bound is reported by bench-images).
        let a = Preprocessor.resizeAndCrop(full, recipe: .imagenet()), b = Preprocessor.resizeAndCrop(fast, recipe: .imagenet())
        XCTAssertLessThan(byteDifference(a.pixels, b.pixels).mean, 3)
    }

    func testFormatIsDetectedFromMagicBytes() {
        XCTAssertEqual(ImageFormat.detect([0xFF, 0xD8, 0xFF, 0xE0]), .jpeg)
        XCTAssertEqual(ImageFormat.detect([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), .png)
        XCTAssertEqual(ImageFormat.detect(Array("GIF89a".utf8)), .gif)
        XCTAssertEqual(ImageFormat.detect(Array("RIFF\0\0\0\0WEBPVP8 ".utf8)), .webp)
        XCTAssertNil(ImageFormat.detect(Array("hello".utf8)))
        XCTAssertNil(ImageFormat.detect([UInt8]()))
    }

    /// Every prefix and many single-byte corruptions of real files either decode or throw one line.
    func testDamagedFilesNeverCrash() throws {
        for name in ["badinputs/b/ok_baseline.jpg", "badinputs/a/progressive.jpg", "badinputs/b/palette_64colors.png", "badinputs/b/rgb_16bit.png"] {
            let data = try Data(contentsOf: try SharedPhotos.url(name))
            var generator = SplitMix64(seed: 7)
            for step in 0..<60 {
                var damaged = data
                if step < 30 {
                    damaged = data.prefix(Int(generator.next() % UInt64(data.count)))
                } else {
                    let position = Int(generator.next() % UInt64(data.count))
                    damaged[position] = UInt8(truncatingIfNeeded: generator.next())
                }
                do {
                    let image = try ImageDecoder.decode(data: damaged, name: "damaged")
                    XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
                } catch {
                    XCTAssertTrue("\(error)".hasPrefix("damaged: "), "\(error)")
                    XCTAssertFalse("\(error)".contains("\n"))
                }
            }
        }
    }

    func testEXIFOrientationParserReadsBothByteOrders() {
        func jpeg(tiff: [UInt8]) -> Data {
            let payload = Array("Exif\0\0".utf8) + tiff
            let length = payload.count + 2
            return Data([0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + [0xFF, 0xDA])
        }
        let little: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]
        let big: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0]
        XCTAssertEqual(EXIFOrientation.read(jpeg: jpeg(tiff: little)), 6)
        XCTAssertEqual(EXIFOrientation.read(jpeg: jpeg(tiff: big)), 8)
        XCTAssertNil(EXIFOrientation.read(jpeg: jpeg(tiff: Array(little.prefix(12)))))
    }

    func testEveryOrientationMovesTheFirstPixelAsTheEXIFStandardSays() {
        // 2 x 1 image: left pixel (1,1,1), right pixel (2,2,2).
        let image = RGBImage(width: 2, height: 1, pixels: [1, 1, 1, 2, 2, 2])
        let firstPixel: [Int: UInt8] = [1: 1, 2: 2, 3: 2, 4: 1, 5: 1, 6: 1, 7: 2, 8: 2]
        for (orientation, expected) in firstPixel {
            let turned = EXIFOrientation.apply(orientation, to: image)
            XCTAssertEqual(turned.pixels[0], expected, "orientation \(orientation)")
            XCTAssertEqual([turned.width, turned.height], orientation >= 5 ? [1, 2] : [2, 1])
        }
    }
}


/// PNG chunk CRC (ISO 3309), big-endian.
func crc32(_ bytes: [UInt8]) -> [UInt8] {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    crc ^= 0xFFFF_FFFF
    return [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]
}
