import ArgumentParser
import Foundation
import ProbeBackbones
import ProbeImages
import ProbeStore

/// `--model NAME [--weights FILE]`.
struct ModelOptions: ParsableArguments {
    @Option(help: "The backbone.") var model: BackboneKind = .efficientnet_lite0
    @Option(help: "A checkpoint (.pth zip or legacy, .safetensors) instead of the cached official weights.")
    var weights: String?

    var weightsURL: URL? { weights.map { URL(fileURLWithPath: $0) } }
}

enum ResizeChoice: String, CaseIterable, ExpressibleByArgument {
    /// torchvision's: shorter side to round(S*256/224), centre crop S.
    case crop
    /// Keras tutorials': straight to S x S.
    case squash
}

/// How images become network input: the recipe plus decoding choices.
struct PreprocessingOptions: ParsableArguments {
    @Option(help: "Network input size S (the recipe scales: shorter side round(S*256/224), crop S).")
    var imageSize = 224
    @Option(help: "crop: torchvision's resize + centre crop; squash: resize straight to S x S (Keras).")
    var resize: ResizeChoice = .crop
    @Option(help: "imagenet: torchvision mean/std; caffe: BGR minus means; tf: x/127.5-1 (for Keras-ported weights).")
    var normalization: PreprocessRecipe.Normalization = .imagenet
    @Option(help: "Resampling filter (antialiased, as Pillow).")
    var interpolation: PreprocessRecipe.Interpolation = .bilinear
    @Flag(help: "Let libjpeg downscale large JPEGs while decoding (faster, slightly different pixels).")
    var fastDecode = false
    @Flag(help: "Turn images by their EXIF orientation tag (the reference pipelines ignore it).")
    var applyExif = false
    @Option(help: "Refuse images with more pixels than this (decompression bombs).")
    var pixelLimit = 100_000_000

    func validate() throws {
        if imageSize < 32 { throw ValidationError("--image-size must be at least 32") }
        if pixelLimit < 1 { throw ValidationError("--pixel-limit must be positive") }
    }

    func recipe() -> PreprocessRecipe {
        PreprocessRecipe(resizeMode: resize == .crop ? .resizeShorterAndCrop : .squash, imageSize: imageSize,
                         normalization: normalization, interpolation: interpolation)
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
