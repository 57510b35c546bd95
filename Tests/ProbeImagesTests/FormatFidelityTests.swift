import Foundation
import ProbeImages
import ProbeTestSupport
import XCTest

/// BMP, GIF, WebP, TIFF and PPM/PGM/PBM samples (Tests/Fixtures/formats/, written with Pillow by
/// reference/formats_reference.py) against Pillow's `convert("RGB")` of the same files, bit for bit,
/// and their preprocessed crops against torchvision's within the JPEG/PNG fidelity bound.
final class FormatFidelityTests: XCTestCase {
    struct Index: Decodable {
        struct Sample: Decodable {
            let file: String
            let format: String
            let pillow_mode: String
            let width: Int
            let height: Int
        }
        let crop_size: Int
        let samples: [Sample]
        let shared: [ImageFixtureIndex.DecodeDigest]  // the same record the JPEG/PNG fixtures use
    }

    private func index() throws -> Index {
        try JSONDecoder().decode(Index.self, from: Data(contentsOf: TestPaths.fixture("formats/index.json")))
    }

    private func stem(_ file: String) -> String { String(file[..<file.lastIndex(of: ".")!]) }

    func testEverySampleDecodesBitIdenticalToPillow() throws {
        let samples = try index().samples
        // Every variant the issue names is present: palette, gray, 16-bit, alpha, CMYK, compressions, animations.
        XCTAssertGreaterThanOrEqual(samples.count, 50)
        for format in ["BMP", "GIF", "WEBP", "TIFF", "PPM"] {
            XCTAssertTrue(samples.contains { $0.format == format }, format)
        }
        for required in ["tiff_cmyk.tif", "tiff_gray16.tif", "tiff_rgb16.tif", "tiff_palette.tif", "tiff_rgba_lzw.tif",
                         "gif_animated.gif", "webp_lossy.webp", "webp_lossless.webp", "webp_lossy_alpha.webp",
                         "webp_lossless_alpha.webp", "bmp_palette8.bmp", "pnm_gray16.pgm"] {
            XCTAssertTrue(samples.contains { $0.file == required }, required)
        }
        var identical = 0
        for sample in samples {
            let expected = [UInt8](try Data(contentsOf: TestPaths.fixture("formats/\(stem(sample.file)).rgb")))
            let image: RGBImage
            do {
                image = try ImageDecoder.decode(contentsOf: TestPaths.fixture("formats/" + sample.file), displayName: sample.file)
            } catch {
                XCTFail("\(error)")
                continue
            }
            XCTAssertEqual([image.width, image.height], [sample.width, sample.height], sample.file)
            guard image.pixels.count == expected.count else { continue }
            let diff = byteDifference(image.pixels, expected)
            XCTAssertEqual(diff.max, 0, "\(sample.file) (Pillow mode \(sample.pillow_mode)): mean \(diff.mean) max \(diff.max)")
            if diff.max == 0 { identical += 1 }
        }
        print("formats: \(identical) of \(samples.count) samples bit-identical to Pillow")
    }

    /// Same bound as PreprocessFidelityTests: mean absolute error <= 0.5/255, max <= 4/255.
    func testPreprocessedCropsStayWithinTheJPEGAndPNGBound() throws {
        let index = try index()
        let recipe = PreprocessRecipe(resizeMode: .resizeShorterAndCrop, imageSize: index.crop_size, interpolation: .bilinear)
        for sample in index.samples {
            let expected = [UInt8](try Data(contentsOf: TestPaths.fixture("formats/\(stem(sample.file)).crop\(index.crop_size).rgb")))
            let image = try ImageDecoder.decode(contentsOf: TestPaths.fixture("formats/" + sample.file))
            let crop = Preprocessor.resizeAndCrop(image, recipe: recipe)
            XCTAssertEqual(crop.pixels.count, expected.count, sample.file)
            guard crop.pixels.count == expected.count else { continue }
            let diff = byteDifference(crop.pixels, expected)
            XCTAssertLessThanOrEqual(diff.mean, 0.5, "\(sample.file): mean abs error \(diff.mean)/255")
            XCTAssertLessThanOrEqual(diff.max, 4, "\(sample.file): max abs error \(diff.max)/255")
        }
    }

    /// shared/datasets/badinputs's GIF (first of 2 frames) and WebP against Pillow's pixel digests.
    func testBadInputsGIFAndWebPMatchPillow() throws {
        let shared = try index().shared
        XCTAssertEqual(shared.count, 2)
        for expected in shared {
            let image = try ImageDecoder.decode(contentsOf: try SharedPhotos.url(expected.source))
            XCTAssertEqual([image.width, image.height], [expected.width, expected.height], expected.source)
            XCTAssertEqual(fnv1a64(image.pixels), expected.fnv1a64, expected.source)
        }
    }

    func testNewFormatsAreDetectedFromTheirBytes() throws {
        for (file, format) in [("bmp_rgb24.bmp", ImageFormat.bmp), ("gif_palette.gif", .gif), ("webp_lossy.webp", .webp),
                               ("tiff_rgb.tif", .tiff), ("tiff_rgb16_bigendian.tif", .tiff), ("pnm_rgb.ppm", .pnm),
                               ("pnm_gray.pgm", .pnm), ("pnm_bitmap.pbm", .pnm)] {
            XCTAssertEqual(ImageFormat.detect(try Data(contentsOf: TestPaths.fixture("formats/" + file))), format, file)
        }
        // A GIF named .png decodes as a GIF: the name plays no part.
        let data = try Data(contentsOf: TestPaths.fixture("formats/gif_palette.gif"))
        let image = try ImageDecoder.decode(data: data, name: "named_as.png")
        XCTAssertEqual([UInt8](try Data(contentsOf: TestPaths.fixture("formats/gif_palette.rgb"))), image.pixels)
    }
}
