import Foundation
import ProbeImages
import ProbeTestSupport
import XCTest

/// Decode + resize + crop against Pillow/torchvision crops written by reference/images_fixtures.py.
/// Bound from the issue: mean absolute error <= 0.5/255 and max <= 4/255 per channel value.
final class PreprocessFidelityTests: XCTestCase {
    func testCropsMatchPillowWithinTheFidelityBound() throws {
        let index = try ImageFixtureIndex.load()
        var exact = 0
        for crop in index.crops {
            let expected = [UInt8](try Data(contentsOf: TestPaths.fixture("images/" + crop.file)))
            var options = DecodeOptions()
            options.applyEXIFOrientation = crop.exif
            let image = try ImageDecoder.decode(contentsOf: try SharedPhotos.url(crop.source), options: options)
            XCTAssertEqual([image.width, image.height], crop.sourceSize, crop.name)
            let recipe = PreprocessRecipe(resizeMode: crop.mode == "squash" ? .squash : .resizeShorterAndCrop,
                                          imageSize: crop.imageSize,
                                          interpolation: crop.interpolation == "bicubic" ? .bicubic : .bilinear)
            let ours = Preprocessor.resizeAndCrop(image, recipe: recipe)
            XCTAssertEqual(ours.pixels.count, expected.count, crop.name)
            let diff = byteDifference(ours.pixels, expected)
            XCTAssertLessThanOrEqual(diff.mean, 0.5, "\(crop.name): mean abs error \(diff.mean)/255")
            XCTAssertLessThanOrEqual(diff.max, 4, "\(crop.name): max abs error \(diff.max)/255")
            if diff.max == 0 { exact += 1 }
            print("fidelity \(crop.name): mean \(diff.mean)/255 max \(diff.max)/255")
        }
        print("fidelity: \(exact) of \(index.crops.count) crops bit-identical to Pillow")
    }

    func testExifFixturesDifferSoTheOptionIsObservable() throws {
        let a = try Data(contentsOf: TestPaths.fixture("images/exif6_applied_96.rgb"))
        let b = try Data(contentsOf: TestPaths.fixture("images/exif6_ignored_96.rgb"))
        XCTAssertNotEqual(a, b)
    }
}
