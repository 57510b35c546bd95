import Foundation
import ProbeCore
import ProbeImages
import ProbeTestSupport
import XCTest

/// The keras-directory and keras-load-img recipes against what TensorFlow 2.21 and Keras 3.15 produce
/// (`reference/keras_preprocess_reference.py` wrote the goldens: `image_dataset_from_directory`'s own
/// output, `tf.image.decode_image`, `keras.utils.load_img`, `preprocess_input`), bit for bit.
/// By default the committed subset (data/pets-mini and odd files of the shared badinputs folder);
/// with PROBE_KERAS_PREPROCESS_ALL=1 every shared photo of cats_dogs, flowers and alpaca (shared.json).
final class KerasPreprocessFidelityTests: XCTestCase {
    struct Goldens: Decodable {
        struct File: Decodable {
            let path: String
            let width: Int
            let height: Int
            let decode: String
            let directory_160: String
            let directory_224: String
            let directory_crop_160: String
            let directory_crop_224: String
            let load_img_224: String
            let load_img_keep_224: String
        }
        struct Normalization: Decodable {
            let source: String
            let imageSize: Int
            let caffe: String
            let tf: String
        }
        let files: [File]
        let normalization: Normalization?
    }

    private func goldens(_ name: String) throws -> Goldens {
        try JSONDecoder().decode(Goldens.self, from: Data(contentsOf: TestPaths.fixture("keras-preprocess/\(name)")))
    }

    /// `pets-mini/...` is committed; every other root is a folder of the shared datasets.
    private func url(_ path: String) throws -> URL {
        if path.hasPrefix("pets-mini/") { return TestPaths.repoRoot.appendingPathComponent("data").appendingPathComponent(path) }
        return try SharedPhotos.url(path)
    }

    /// The reference script's digest: the first 16 hex digits of the sha256 of the bytes.
    private func digest(_ bytes: UnsafeRawBufferPointer) -> String {
        String(SHA256Digest.data(Data(bytes)).prefix(16))
    }
    private func digest(_ values: [Float]) -> String { values.withUnsafeBytes { digest($0) } }
    private func digest(_ image: RGBImage) -> String { image.pixels.withUnsafeBytes { digest($0) } }

    private func check(_ goldens: Goldens, file: StaticString = #filePath, line: UInt = #line) throws -> (checked: Int, mismatches: [String]) {
        var mismatches: [String] = []
        for golden in goldens.files {
            let source = try url(golden.path)
            let tensorflow = try ImageDecoder.decode(contentsOf: source, options: DecodeOptions(flavor: .tensorflow))
            XCTAssertEqual(tensorflow.width, golden.width, golden.path)
            XCTAssertEqual(tensorflow.height, golden.height, golden.path)
            if digest(tensorflow) != golden.decode { mismatches.append("\(golden.path): decode") }
            for (size, crop, expected) in [(160, false, golden.directory_160), (224, false, golden.directory_224),
                                            (160, true, golden.directory_crop_160), (224, true, golden.directory_crop_224)] {
                let window = KerasResize.window(width: tensorflow.width, height: tensorflow.height, imageSize: size, cropToAspectRatio: crop)
                var hwc = [Float](repeating: 0, count: 3 * size * size)
                hwc.withUnsafeMutableBufferPointer { KerasResize.tensorflowBilinear(tensorflow, window: window, size: size, into: $0) }
                if digest(hwc) != expected { mismatches.append("\(golden.path): directory \(size) crop \(crop)") }
            }
            let pillow = try ImageDecoder.decode(contentsOf: source)
            for (keep, expected) in [(false, golden.load_img_224), (true, golden.load_img_keep_224)] {
                let recipe = PreprocessRecipe.kerasLoadImg(imageSize: 224, normalization: .raw, keepAspectRatio: keep)
                if digest(Preprocessor.kerasLoadImg(pillow, recipe: recipe)) != expected {
                    mismatches.append("\(golden.path): load_img keep_aspect_ratio \(keep)")
                }
            }
        }
        return (goldens.files.count, mismatches)
    }

    func testDecodeAndResizeMatchTensorFlowAndKerasBitForBit() throws {
        let all = ProcessInfo.processInfo.environment["PROBE_KERAS_PREPROCESS_ALL"] == "1"
        let goldens = try goldens(all ? "shared.json" : "subset.json")
        // The subset covers the odd decodes (CMYK, gray, progressive, 1x1, 4000x50, PNG 16-bit/RGBA/palette).
        XCTAssertGreaterThanOrEqual(goldens.files.count, all ? 1492 : 110)
        let result = try check(goldens)
        XCTAssertEqual(result.mismatches, [], "\(result.mismatches.count) of \(result.checked) files differ from TensorFlow/Keras")
    }

    /// The fast table-driven bilinear is the per-pixel formula, and the goldens would catch an
    /// off-by-half-pixel: plain top-left sampling gives other bytes.
    func testTableBilinearEqualsPerPixelReference() throws {
        let image = try ImageDecoder.decode(contentsOf: SharedPhotos.url("badinputs/b/very_wide_4000x50.jpg"), options: DecodeOptions(flavor: .tensorflow))
        for (size, crop) in [(32, false), (61, true), (160, false)] {
            let window = KerasResize.window(width: image.width, height: image.height, imageSize: size, cropToAspectRatio: crop)
            var fast = [Float](repeating: 0, count: 3 * size * size)
            fast.withUnsafeMutableBufferPointer { KerasResize.tensorflowBilinear(image, window: window, size: size, into: $0) }
            XCTAssertEqual(fast, KerasResize.tensorflowBilinearReference(image, window: window, size: size))
        }
    }

    func testCropWindowIsTheCentredSquareWithTheOddPixelAfter() {
        XCTAssertEqual(KerasResize.window(width: 500, height: 333, imageSize: 224, cropToAspectRatio: true),
                       SourceWindow(left: 83, top: 0, width: 333, height: 333))
        XCTAssertEqual(KerasResize.window(width: 50, height: 4000, imageSize: 160, cropToAspectRatio: true),
                       SourceWindow(left: 0, top: 1975, width: 50, height: 50))
        XCTAssertEqual(KerasResize.window(width: 7, height: 4, imageSize: 3, cropToAspectRatio: false),
                       SourceWindow(left: 0, top: 0, width: 7, height: 4))
    }

    /// preprocess_input's caffe and tf modes on TensorFlow's unrounded resize, as Keras computes them
    /// (the golden is Keras's NHWC output; Probe writes CHW, so it is transposed back for the digest).
    func testPreprocessInputModesMatchKeras() throws {
        let golden = try XCTUnwrap(goldens("subset.json").normalization)
        let s = golden.imageSize
        let image = try ImageDecoder.decode(contentsOf: url(golden.source), options: DecodeOptions(flavor: .tensorflow))
        for (mode, expected) in [(PreprocessRecipe.Normalization.caffe, golden.caffe), (.tf, golden.tf)] {
            let chw = Preprocessor.run(image, recipe: .kerasDirectory(imageSize: s, normalization: mode))
            var hwc = [Float](repeating: 0, count: chw.count)
            for c in 0..<3 { for i in 0..<(s * s) { hwc[i * 3 + c] = chw[c * s * s + i] } }
            XCTAssertEqual(digest(hwc), expected, mode.rawValue)
        }
    }

    /// The torchvision pipeline still decodes with the accurate IDCT: the fast one gives other pixels.
    func testPillowFlavourIsUnchangedAndDiffersFromTensorFlow() throws {
        let source = try SharedPhotos.url("badinputs/a/ok_baseline.jpg")
        let pillow = try ImageDecoder.decode(contentsOf: source)
        let tensorflow = try ImageDecoder.decode(contentsOf: source, options: DecodeOptions(flavor: .tensorflow))
        XCTAssertNotEqual(pillow.pixels, tensorflow.pixels)
        let digests = try ImageFixtureIndex.load().decodes
        let expected = try XCTUnwrap(digests.first { $0.source == "badinputs/a/ok_baseline.jpg" })
        XCTAssertEqual(fnv1a64(pillow.pixels), expected.fnv1a64)
    }
}
