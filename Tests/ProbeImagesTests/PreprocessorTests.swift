import Foundation
import ProbeCore
import ProbeImages
import ProbeTestSupport
import XCTest

/// Geometry, the fast resize kernels against the naive reference, and normalisation.
final class PreprocessorTests: XCTestCase {
    private func randomImage(width: Int, height: Int, generator: inout SplitMix64) -> RGBImage {
        RGBImage(width: width, height: height, pixels: (0..<(width * height * 3)).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
    }

    func testCenterCropRoundsHalfToEven() throws {
        // 257 x 256 is already at the target shorter side: no resize, and the crop offset (257-224)/2 = 16.5
        // must become 16 (Python's round), not 17.
        XCTAssertEqual(Preprocessor.centreCropOffset(size: 257, crop: 224), 16)
        XCTAssertEqual(Preprocessor.centreCropOffset(size: 259, crop: 224), 18)  // 17.5 -> 18
        var pixels = [UInt8](repeating: 0, count: 257 * 256 * 3)
        for y in 0..<256 { for x in 0..<257 { pixels[(y * 257 + x) * 3] = UInt8(x % 256) } }
        let crop = Preprocessor.resizeAndCrop(RGBImage(width: 257, height: 256, pixels: pixels), recipe: .imagenet())
        XCTAssertEqual(crop.pixels[0], 16)
    }

    func testResizeKeepsAspectRatioAndTruncatesTheLongerSide() {
        let g = Preprocessor.geometry(sourceWidth: 500, sourceHeight: 333, recipe: .imagenet())
        XCTAssertEqual([g.resizedWidth, g.resizedHeight], [384, 256])  // 256 * 500 / 333 = 384.38
        let tall = Preprocessor.geometry(sourceWidth: 299, sourceHeight: 500, recipe: .imagenet(imageSize: 160))
        XCTAssertEqual(PreprocessRecipe.imagenet(imageSize: 160).resizeShorterSide, 183)  // round(160 * 256 / 224)
        XCTAssertEqual([tall.resizedWidth, tall.resizedHeight], [183, 306])  // 183 * 500 / 299 = 306.02
        let squash = Preprocessor.geometry(sourceWidth: 500, sourceHeight: 333, recipe: PreprocessRecipe(resizeMode: .squash, imageSize: 96))
        XCTAssertEqual([squash.resizedWidth, squash.resizedHeight, squash.cropLeft, squash.cropTop], [96, 96, 0, 0])
    }

    /// The crop-window kernels must equal the whole-image naive resize + crop, byte for byte.
    func testFastResizeMatchesNaiveReferenceOnRandomShapes() {
        var generator = SplitMix64(seed: 42)
        let shapes = [(1, 1), (3, 700), (500, 333), (333, 500), (257, 256), (256, 256), (240, 180), (4000, 50), (97, 1201)]
        for (w, h) in shapes {
            let image = randomImage(width: w, height: h, generator: &generator)
            for recipe in [PreprocessRecipe.imagenet(), PreprocessRecipe(imageSize: 64, interpolation: .bicubic),
                           PreprocessRecipe(resizeMode: .squash, imageSize: 48), PreprocessRecipe(resizeMode: .squash, imageSize: 80, interpolation: .bicubic)] {
                let fast = Preprocessor.resizeAndCrop(image, recipe: recipe)
                let naive = Preprocessor.resizeAndCropReference(image, recipe: recipe)
                XCTAssertEqual(fast.pixels, naive.pixels, "\(w)x\(h) \(recipe)")
            }
        }
    }

    func testFastResizeMatchesNaiveReferenceAfterDCTDownscaling() throws {
        let url = try SharedPhotos.url("alpaca/not_alpaca/4b9ef3ce2685ee32.jpg")  // 1024 x 683
        let image = try ImageDecoder.decode(contentsOf: url, options: DecodeOptions(fastDecode: true))
        XCTAssertLessThan(image.width, 1024)
        XCTAssertEqual(Preprocessor.resizeAndCrop(image, recipe: .imagenet()).pixels,
                       Preprocessor.resizeAndCropReference(image, recipe: .imagenet()).pixels)
    }

    /// torchvision's ToTensor + Normalize floats for one 32 x 32 crop, written by the reference script.
    func testImagenetNormalizationMatchesTorchvisionExactly() throws {
        let index = try ImageFixtureIndex.load()
        let data = try Data(contentsOf: TestPaths.fixture("images/" + index.normalize.file))
        let expected = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let image = try ImageDecoder.decode(contentsOf: try SharedPhotos.url(index.normalize.source))
        let ours = Preprocessor.run(image, recipe: .imagenet(imageSize: index.normalize.imageSize))
        XCTAssertEqual(ours.count, expected.count)
        XCTAssertEqual(ours, expected)
    }

    func testCaffeIsBGRMinusMeansAndTfIsScaledToPlusMinusOne() {
        // One pure-red pixel (255, 0, 0), squashed to 1 x 1 (identity).
        let red = RGBImage(width: 1, height: 1, pixels: [255, 0, 0])
        let caffe = Preprocessor.run(red, recipe: PreprocessRecipe(resizeMode: .squash, imageSize: 1, normalization: .caffe))
        XCTAssertEqual(caffe, [0 - 103.939, 0 - 116.779, 255 - 123.68])  // Keras: channels reversed, ImageNet BGR means
        let tf = Preprocessor.run(red, recipe: PreprocessRecipe(resizeMode: .squash, imageSize: 1, normalization: .tf))
        XCTAssertEqual(tf, [1, -1, -1])
    }

    func testOutputIsChannelPlanes() {
        // 2 x 2 image, squashed to itself: CHW means all R values, then all G, then all B.
        let image = RGBImage(width: 2, height: 2, pixels: [0, 10, 20, 1, 11, 21, 2, 12, 22, 3, 13, 23])
        let out = Preprocessor.run(image, recipe: PreprocessRecipe(resizeMode: .squash, imageSize: 2, normalization: .caffe))
        let bgrMeans: [Float] = [103.939, 116.779, 123.68]
        XCTAssertEqual(out, [20, 21, 22, 23, 10, 11, 12, 13, 0, 1, 2, 3].enumerated().map { Float($0.element) - bgrMeans[$0.offset / 4] })
    }

    func testRunIntoBufferWritesTheSameFloats() {
        var generator = SplitMix64(seed: 3)
        let image = randomImage(width: 120, height: 90, generator: &generator)
        let recipe = PreprocessRecipe.imagenet(imageSize: 64)
        var batch = [Float](repeating: .nan, count: 2 * recipe.floatsPerImage)
        batch.withUnsafeMutableBufferPointer { buffer in
            Preprocessor.run(image, recipe: recipe, into: UnsafeMutableBufferPointer(rebasing: buffer[recipe.floatsPerImage...]))
        }
        XCTAssertEqual(Array(batch[recipe.floatsPerImage...]), Preprocessor.run(image, recipe: recipe))
        XCTAssertTrue(batch[0].isNaN)
    }

    func testRecipeRoundTripsThroughJSON() throws {
        let recipe = PreprocessRecipe(resizeMode: .squash, imageSize: 160, normalization: .tf, interpolation: .bicubic)
        let decoded = try JSONDecoder().decode(PreprocessRecipe.self, from: JSONEncoder().encode(recipe))
        XCTAssertEqual(decoded, recipe)
    }
}
