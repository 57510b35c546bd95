import Foundation
import ProbeImages
import XCTest

/// Every file of shared/datasets/badinputs does what its README asks: decodes, or gives one clear
/// error line naming the file and the reason. Probe recurses into subfolders, so nested_subfolder counts.
final class BadInputsTests: XCTestCase {
    private func decode(_ relative: String) throws -> Result<RGBImage, Error> {
        let url = try SharedPhotos.url("badinputs/" + relative)
        return Result { try ImageDecoder.decode(contentsOf: url, displayName: relative) }
    }

    private func assertDecodes(_ relative: String, width: Int, height: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        switch try decode(relative) {
        case .success(let image):
            XCTAssertEqual(image.width, width, relative, file: file, line: line)
            XCTAssertEqual(image.height, height, relative, file: file, line: line)
            XCTAssertEqual(image.pixels.count, width * height * 3, file: file, line: line)
        case .failure(let error):
            XCTFail("\(relative) should decode: \(error)", file: file, line: line)
        }
    }

    private func assertFails(_ relative: String, mentioning words: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        switch try decode(relative) {
        case .success:
            XCTFail("\(relative) should fail", file: file, line: line)
        case .failure(let error):
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix(relative + ": "), message, file: file, line: line)
            XCTAssertFalse(message.contains("\n"), message, file: file, line: line)
            XCTAssertTrue(words.contains { message.lowercased().contains($0) }, message, file: file, line: line)
        }
    }

    func testControlJPEGsDecode() throws {
        try assertDecodes("a/ok_baseline.jpg", width: 320, height: 213)
        try assertDecodes("b/ok_baseline.jpg", width: 320, height: 212)
    }

    func testEmptyFileIsAnError() throws { try assertFails("a/empty_0_bytes.jpg", mentioning: ["empty file"]) }

    func testTruncatedJPEGIsAnError() throws { try assertFails("a/truncated_40pct.jpg", mentioning: ["truncated", "premature end"]) }

    func testTextFileIsNotAnImage() throws { try assertFails("a/text_file.jpg", mentioning: ["not an image"]) }

    func testFormatComesFromTheBytesNotTheName() throws {
        try assertDecodes("a/png_named_as.jpg", width: 320, height: 212)
        try assertDecodes("a/jpeg_named_as.png", width: 320, height: 209)
    }

    func testGrayscaleCMYKAndProgressiveJPEGsDecode() throws {
        for name in ["a/grayscale.jpg", "a/cmyk.jpg", "a/progressive.jpg"] {
            guard case .success(let image) = try decode(name) else { return XCTFail("\(name) should decode") }
            XCTAssertGreaterThan(image.width, 0, name)
        }
    }

    func testExifOrientationIsIgnoredByDefaultAndAppliedOnRequest() throws {
        let url = try SharedPhotos.url("badinputs/a/exif_orientation_6.jpg")
        let stored = try ImageDecoder.decode(contentsOf: url)
        XCTAssertEqual([stored.width, stored.height], [320, 212])
        let upright = try ImageDecoder.decode(contentsOf: url, options: DecodeOptions(applyEXIFOrientation: true))
        XCTAssertEqual([upright.width, upright.height], [212, 320])
        // Orientation 6 = turn 90 degrees clockwise: the stored bottom-left pixel lands at the top-left.
        XCTAssertTrue(upright[0, 0] == stored[0, 211])
        XCTAssertTrue(upright[211, 0] == stored[0, 0])
    }

    func testHiddenFinderFileIsNeverCountedAsAnImage() throws {
        let dataset = try DatasetScanner.scan(try SharedPhotos.url("badinputs"))
        XCTAssertFalse(dataset.items.contains { $0.path.contains(".DS_Store") })
        XCTAssertFalse(dataset.skipped.contains { $0.path.contains(".DS_Store") })
    }

    func testPNGVariantsDecode() throws {
        try assertDecodes("b/rgb_16bit.png", width: 160, height: 107)
        guard case .success = try decode("b/rgba_alpha.png") else { return XCTFail("rgba should decode") }
        guard case .success = try decode("b/palette_64colors.png") else { return XCTFail("palette should decode") }
    }

    func testOnePixelAndVeryWideJPEGsDecodeAndPreprocess() throws {
        try assertDecodes("b/one_pixel_1x1.jpg", width: 1, height: 1)
        try assertDecodes("b/very_wide_4000x50.jpg", width: 4000, height: 50)
        for name in ["b/one_pixel_1x1.jpg", "b/very_wide_4000x50.jpg"] {
            let image = try ImageDecoder.decode(contentsOf: try SharedPhotos.url("badinputs/" + name))
            let tensor = Preprocessor.run(image, recipe: .imagenet())
            XCTAssertEqual(tensor.count, 3 * 224 * 224)
            XCTAssertTrue(tensor.allSatisfy(\.isFinite), name)
        }
    }

    /// Decoded since GIF/WebP support (the README allows it when documented): the GIF's first frame.
    func testGIFAndWebPDecode() throws {
        try assertDecodes("b/animated.gif", width: 160, height: 120)
        try assertDecodes("b/image.webp", width: 320, height: 209)
    }

    func testUnicodeNameDecodesAndKeepsItsName() throws {
        let name = "b/photo with spaces – ünïcødé 猫.jpg"
        guard case .success = try decode(name) else { return XCTFail("unicode name should decode") }
        let dataset = try DatasetScanner.scan(try SharedPhotos.url("badinputs"))
        XCTAssertTrue(dataset.items.contains { $0.path == name })
    }

    func testNestedFileKeepsItsClassLabel() throws {
        let dataset = try DatasetScanner.scan(try SharedPhotos.url("badinputs"))
        XCTAssertEqual(dataset.classes, ["a", "b"])
        let nested = dataset.items.first { $0.path == "b/nested_subfolder/inside_nested.jpg" }
        XCTAssertEqual(nested?.label, 1)
    }

    /// The README's tally for a tool that recurses and documents GIF/WebP support: 7 decode in a, 10 in b
    /// (the GIF and the WebP included), and 3 files get one error each.
    func testWholeFolderTally() throws {
        let dataset = try DatasetScanner.scan(try SharedPhotos.url("badinputs"))
        var decoded = [0, 0], errors: [String] = dataset.skipped.map { "\($0.path): \($0.reason)" }
        for item in dataset.items {
            do {
                _ = try ImageDecoder.decode(contentsOf: dataset.url(of: item.path), displayName: item.path)
                decoded[item.label] += 1
            } catch {
                errors.append("\(error)")
            }
        }
        XCTAssertEqual(decoded, [7, 10])
        XCTAssertEqual(errors.count, 3, errors.joined(separator: "\n"))
        XCTAssertEqual(Set(errors.map { String($0.prefix { $0 != ":" }) }),
                       ["a/empty_0_bytes.jpg", "a/truncated_40pct.jpg", "a/text_file.jpg"])
    }
}
