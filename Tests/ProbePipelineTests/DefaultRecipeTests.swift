import Foundation
import ProbeBackbones
import ProbeCore
import ProbeImages
import ProbePipeline
import ProbeTestSupport
import XCTest

/// Each model's default preprocessing is what its weights publish (torchvision's `weights.transforms()`,
/// the Keras application's `preprocess_input` after `image_dataset_from_directory`), as
/// `reference/preprocess_defaults_reference.py` read them; flags override; old manifests still decode.
final class DefaultRecipeTests: XCTestCase {
    struct Published: Decodable {
        struct Torchvision: Decodable {
            let resize_size: Int
            let crop_size: Int
            let interpolation: String
            let mean: [Double]
            let std: [Double]
        }
        struct Keras: Decodable { let preprocess_input: String }
        struct Directory: Decodable {
            let interpolation: String
            let crop_to_aspect_ratio: Bool
        }
        struct LoadImg: Decodable {
            let interpolation: String
            let keep_aspect_ratio: Bool
        }
        let torchvision: [String: Torchvision]
        let keras: [String: Keras]
        let image_dataset_from_directory: Directory
        let load_img: LoadImg
    }

    private func published() throws -> Published {
        try JSONDecoder().decode(Published.self, from: Data(contentsOf: TestPaths.fixture("preprocess-defaults/defaults.json")))
    }

    func testTorchvisionDefaultsAreTheWeightsPublishedTransforms() throws {
        let published = try published()
        XCTAssertEqual(published.torchvision.count, 3)
        for (name, transform) in published.torchvision {
            let kind = try XCTUnwrap(BackboneKind(rawValue: name))
            let recipe = Models.defaultRecipe(for: kind)
            XCTAssertEqual(recipe.pipeline, .torchvision, name)
            XCTAssertEqual(recipe.resizeMode, .resizeShorterAndCrop, name)
            XCTAssertEqual(recipe.resizeShorterSide, transform.resize_size, name)
            XCTAssertEqual(recipe.imageSize, transform.crop_size, name)
            XCTAssertEqual(recipe.interpolation.rawValue, transform.interpolation, name)
            XCTAssertEqual(transform.mean, [0.485, 0.456, 0.406], name)  // what `.imagenet` subtracts
            XCTAssertEqual(transform.std, [0.229, 0.224, 0.225], name)
            XCTAssertEqual(recipe.normalization, .imagenet, name)
        }
        // Lite0's package publishes no transform: it keeps the recipe Probe always used for it.
        XCTAssertEqual(Models.defaultRecipe(for: .efficientnet_lite0), .imagenet())
    }

    func testKerasDefaultsAreImageDatasetFromDirectoryWithTheModelsPreprocessInput() throws {
        let published = try published()
        XCTAssertEqual(published.keras.count, 3)
        XCTAssertEqual(published.image_dataset_from_directory.interpolation, "bilinear")
        XCTAssertFalse(published.image_dataset_from_directory.crop_to_aspect_ratio)
        for (name, keras) in published.keras {
            let kind = try XCTUnwrap(BackboneKind(rawValue: name))
            XCTAssertTrue(kind.isKeras)
            let recipe = Models.defaultRecipe(for: kind)
            XCTAssertEqual(recipe, .kerasDirectory(imageSize: 224, normalization: try XCTUnwrap(PreprocessRecipe.Normalization(rawValue: keras.preprocess_input))), name)
            XCTAssertEqual(recipe.resizeMode, .squash)
            XCTAssertEqual(recipe.interpolation.rawValue, published.image_dataset_from_directory.interpolation)
            XCTAssertEqual(recipe.decoderFlavor, .tensorflow)
        }
        // The seed notebooks' MobileNetV2 at 160.
        XCTAssertEqual(Models.defaultRecipe(for: .keras_mobilenet_v2, imageSize: 160), .kerasDirectory(imageSize: 160, normalization: .tf))
        // load_img's defaults are what --preprocess keras-load-img starts from.
        let loadImg = try Models.recipe(for: .keras_vgg16, choices: PreprocessChoices(pipeline: .kerasLoadImg))
        XCTAssertEqual(loadImg.interpolation.rawValue, published.load_img.interpolation)
        XCTAssertEqual(loadImg.resizeMode, published.load_img.keep_aspect_ratio ? .cropToAspectRatio : .squash)
        XCTAssertEqual(loadImg.normalization, .caffe)
        XCTAssertEqual(loadImg.decoderFlavor, .pillow)
    }

    func testAnotherImageSizeScalesTheTorchvisionResize() {
        XCTAssertEqual(Models.defaultRecipe(for: .mobilenet_v2, imageSize: 160).resizeShorterSide, 166)  // 160 * 232 / 224 = 165.7
        XCTAssertEqual(Models.defaultRecipe(for: .vgg16, imageSize: 160).resizeShorterSide, 183)          // 160 * 256 / 224 = 182.9
    }

    func testFlagsOverrideTheDefault() throws {
        var choices = PreprocessChoices(resizeShorterSide: 256, interpolation: .bicubic)
        let mobile = try Models.recipe(for: .mobilenet_v2, choices: choices)
        XCTAssertEqual(mobile.resizeShorterSide, 256)
        XCTAssertEqual(mobile.interpolation, .bicubic)
        choices = PreprocessChoices(pipeline: .kerasDirectory, imageSize: 160, normalization: .tf, cropToAspectRatio: true)
        XCTAssertEqual(try Models.recipe(for: .efficientnet_lite0, choices: choices),
                       .kerasDirectory(imageSize: 160, normalization: .tf, cropToAspectRatio: true))
        // A Keras model on the torchvision pipeline keeps its own normalisation.
        let vgg = try Models.recipe(for: .keras_vgg16, choices: PreprocessChoices(pipeline: .torchvision))
        XCTAssertEqual(vgg.normalization, .caffe)
        XCTAssertEqual(vgg.resizeShorterSide, 256)
    }

    func testCombinationsNoLibraryRunsAreRefusedWithTheReason() {
        let refused: [(BackboneKind, PreprocessChoices, String)] = [
            (.vgg16, PreprocessChoices(cropToAspectRatio: true), "--crop-to-aspect-ratio"),
            (.keras_vgg16, PreprocessChoices(interpolation: .bicubic), "bilinear"),
            (.keras_vgg16, PreprocessChoices(resizeMode: .resizeShorterAndCrop), "--resize"),
            (.vgg16, PreprocessChoices(interpolation: .nearest), "bilinear or bicubic"),
            (.vgg16, PreprocessChoices(resizeMode: .squash, resizeShorterSide: 300), "--resize-size"),
            (.vgg16, PreprocessChoices(resizeShorterSide: 200), "at least the crop"),
        ]
        for (kind, choices, phrase) in refused {
            XCTAssertThrowsError(try Models.recipe(for: kind, choices: choices), "\(kind) \(choices)") { error in
                XCTAssertTrue("\(error)".contains(phrase), "\(error)")
            }
        }
    }

    /// A manifest written before the pipeline and resize fields existed means torchvision with the
    /// shorter side round(S * 256 / 224); new records carry both fields and read back equal.
    func testOldManifestRecipesDecodeToWhatTheyMeant() throws {
        let old = Data(#"{"imageSize":160,"interpolation":"bicubic","normalization":"imagenet","resizeMode":"resizeShorterAndCrop"}"#.utf8)
        let decoded = try JSONDecoder().decode(PreprocessRecipe.self, from: old)
        XCTAssertEqual(decoded, PreprocessRecipe(imageSize: 160, interpolation: .bicubic, resizeShorterSide: 183))
        XCTAssertEqual(decoded.pipeline, .torchvision)
        let oldDefault = try JSONDecoder().decode(PreprocessRecipe.self, from: Data(
            #"{"imageSize":224,"interpolation":"bilinear","normalization":"imagenet","resizeMode":"resizeShorterAndCrop"}"#.utf8))
        XCTAssertEqual(oldDefault, Models.defaultRecipe(for: .vgg16))
        XCTAssertNotEqual(oldDefault, Models.defaultRecipe(for: .mobilenet_v2))   // 256 then, 232 now
        XCTAssertNotEqual(oldDefault, Models.defaultRecipe(for: .efficientnet_b0)) // bilinear then, bicubic now
        for kind in BackboneKind.allCases {
            for recipe in [Models.defaultRecipe(for: kind), Models.defaultRecipe(for: kind, imageSize: 96)] {
                let json = try JSONValue.encoding(recipe)
                XCTAssertEqual(try json.decoded(as: PreprocessRecipe.self), recipe, "\(kind)")
                XCTAssertTrue(json.description.contains("\"pipeline\""), json.description)
            }
        }
    }

    func testCommandLineFlagsAskForTheSameRecipe() throws {
        let recipe = PreprocessRecipe(imageSize: 224, resizeShorterSide: 256)
        XCTAssertEqual(recipe.commandLineFlags,
                       "--preprocess torchvision --image-size 224 --resize crop --resize-size 256 --interpolation bilinear --normalization imagenet")
        XCTAssertEqual(PreprocessRecipe.kerasDirectory(imageSize: 160, normalization: .tf, cropToAspectRatio: true).commandLineFlags,
                       "--preprocess keras-directory --image-size 160 --crop-to-aspect-ratio --interpolation bilinear --normalization tf")
    }
}
