import ArgumentParser
import Foundation
import ProbeBackbones
import ProbeImages
import ProbePipeline
import ProbeStore

/// `--model NAME [--weights FILE]`.
struct ModelOptions: ParsableArguments {
    @Option(help: "The backbone.") var model: BackboneKind = .efficientnet_lite0
    @Option(help: "A checkpoint (.pth zip or legacy, .safetensors) instead of the cached official weights.")
    var weights: String?

    var weightsURL: URL? { weights.map { URL(fileURLWithPath: $0) } }
}

enum ResizeChoice: String, CaseIterable, ExpressibleByArgument {
    /// torchvision's: shorter side to the weights' resize size, centre crop S.
    case crop
    /// Straight to S x S.
    case squash
}

/// How images become network input: the recipe (the model's default, changed by these flags) plus
/// decoding choices. Every recipe flag is optional: without it the model's default value holds
/// (`Models.defaultRecipe`).
struct PreprocessingOptions: ParsableArguments {
    @Option(help: "torchvision: Pillow decode + resize/crop as torchvision; keras-directory: as image_dataset_from_directory (TF decode, bilinear squash); keras-load-img: as keras.utils.load_img (Pillow, nearest squash). Default: the model's (keras-directory for keras_* models).")
    var preprocess: PreprocessRecipe.Pipeline?
    @Option(help: "Network input size S (default 224; torchvision resize sizes scale by S/224).")
    var imageSize: Int?
    @Option(help: "torchvision only: crop (shorter side to --resize-size, centre crop S) or squash (straight to S x S).")
    var resize: ResizeChoice?
    @Option(help: "torchvision crop only: the shorter side before the crop (default: the weights' published size, e.g. 232 for mobilenet_v2).")
    var resizeSize: Int?
    @Flag(help: "keras pipelines: crop the centred square first (Keras crop_to_aspect_ratio / load_img keep_aspect_ratio).")
    var cropToAspectRatio = false
    @Option(help: "imagenet: torchvision mean/std; caffe: BGR minus means; tf: x/127.5-1; raw: 0-255 as is (Keras EfficientNet). Default: the model's.")
    var normalization: PreprocessRecipe.Normalization?
    @Option(help: "bilinear or bicubic (Pillow antialiased; TF bilinear for keras-directory), nearest (keras-load-img). Default: the recipe's.")
    var interpolation: PreprocessRecipe.Interpolation?
    @Flag(help: "torchvision only: let libjpeg downscale large JPEGs while decoding (faster, slightly different pixels).")
    var fastDecode = false
    @Flag(help: "Turn images by their EXIF orientation tag (the reference pipelines ignore it).")
    var applyExif = false
    @Option(help: "Refuse images with more pixels than this (decompression bombs).")
    var pixelLimit = 100_000_000

    func validate() throws {
        if let imageSize, imageSize < 32 { throw ValidationError("--image-size must be at least 32") }
        if let resizeSize, resizeSize < 1 { throw ValidationError("--resize-size must be positive") }
        if pixelLimit < 1 { throw ValidationError("--pixel-limit must be positive") }
    }

    var choices: PreprocessChoices {
        PreprocessChoices(pipeline: preprocess, imageSize: imageSize,
                          resizeMode: resize.map { $0 == .crop ? .resizeShorterAndCrop : .squash },
                          resizeShorterSide: resizeSize, normalization: normalization, interpolation: interpolation,
                          cropToAspectRatio: cropToAspectRatio)
    }

    /// The model's default recipe with these flags applied; combinations no reference runs are refused.
    func recipe(for model: BackboneKind) throws -> PreprocessRecipe {
        let recipe = try Models.recipe(for: model, choices: choices)
        if fastDecode && recipe.pipeline != .torchvision {
            throw ValidationError("--fast-decode works with the torchvision pipeline only (\(recipe.pipeline.rawValue) decodes every pixel, as its library does)")
        }
        return recipe
    }

    var decodeOptions: DecodeOptions {
        DecodeOptions(pixelLimit: pixelLimit, applyEXIFOrientation: applyExif, fastDecode: fastDecode)
    }
}

extension BackboneKind: ExpressibleByArgument {}
extension Pooling: ExpressibleByArgument {}
extension EmbeddingDType: ExpressibleByArgument {}
extension PreprocessRecipe.Normalization: ExpressibleByArgument {}
extension PreprocessRecipe.Interpolation: ExpressibleByArgument {}
extension PreprocessRecipe.Pipeline: ExpressibleByArgument {}
