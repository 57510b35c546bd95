import ProbeBackbones
import ProbeImages

/// What a user asked for beyond the model's default recipe; nil keeps the default's value.
public struct PreprocessChoices: Sendable, Equatable {
    public var pipeline: PreprocessRecipe.Pipeline?
    public var imageSize: Int?
    /// torchvision only: `.resizeShorterAndCrop` or `.squash`.
    public var resizeMode: PreprocessRecipe.ResizeMode?
    /// torchvision crop mode only: the shorter side before the crop.
    public var resizeShorterSide: Int?
    public var normalization: PreprocessRecipe.Normalization?
    public var interpolation: PreprocessRecipe.Interpolation?
    /// Keras pipelines only: `crop_to_aspect_ratio=True` / `load_img(keep_aspect_ratio=True)`.
    public var cropToAspectRatio = false

    public init(pipeline: PreprocessRecipe.Pipeline? = nil, imageSize: Int? = nil, resizeMode: PreprocessRecipe.ResizeMode? = nil,
                resizeShorterSide: Int? = nil, normalization: PreprocessRecipe.Normalization? = nil,
                interpolation: PreprocessRecipe.Interpolation? = nil, cropToAspectRatio: Bool = false) {
        self.pipeline = pipeline
        self.imageSize = imageSize
        self.resizeMode = resizeMode
        self.resizeShorterSide = resizeShorterSide
        self.normalization = normalization
        self.interpolation = interpolation
        self.cropToAspectRatio = cropToAspectRatio
    }
}

/// Each model's default preprocessing: the one place that says what a model's weights expect.
extension Models {
    /// The input normalisation a model's weights were trained with: torchvision's mean/std for the
    /// PyTorch models; the Keras application's `preprocess_input` mode for the Keras ones (VGG16 "caffe",
    /// MobileNetV2 "tf"; EfficientNetB0's is the identity because the network rescales and normalises
    /// its 0...255 input itself, so `raw`).
    public static func normalization(for kind: BackboneKind) -> PreprocessRecipe.Normalization {
        switch kind {
        case .vgg16, .mobilenet_v2, .efficientnet_b0, .efficientnet_lite0: return .imagenet
        case .keras_vgg16: return .caffe
        case .keras_mobilenet_v2: return .tf
        case .keras_efficientnet_b0: return .raw
        }
    }

    /// The shorter side before the 224 crop and the filter that the weights publish: torchvision's
    /// `weights.transforms()` (MobileNetV2 IMAGENET1K_V2: 232 bilinear; EfficientNet-B0 IMAGENET1K_V1:
    /// 256 bicubic; VGG16 IMAGENET1K_V1: 256 bilinear). The Lite0 package publishes no transform; Probe
    /// keeps torchvision's usual 256 bilinear for it.
    public static func torchvisionResize(for kind: BackboneKind) -> (resizeAt224: Int, interpolation: PreprocessRecipe.Interpolation) {
        switch kind {
        case .mobilenet_v2: return (232, .bilinear)
        case .efficientnet_b0: return (256, .bicubic)
        case .vgg16, .efficientnet_lite0, .keras_vgg16, .keras_mobilenet_v2, .keras_efficientnet_b0: return (256, .bilinear)
        }
    }

    /// The recipe `probe extract --model kind` uses without preprocessing flags: for the torchvision
    /// models their weights' published transform (its shorter side scaled by S / 224 at another input
    /// size S); for the Keras models what the seed notebooks do, `image_dataset_from_directory` at the
    /// model's size (224 unless `imageSize`) followed by the model's `preprocess_input`.
    public static func defaultRecipe(for kind: BackboneKind, imageSize: Int? = nil) -> PreprocessRecipe {
        let size = imageSize ?? 224
        if kind.isKeras { return .kerasDirectory(imageSize: size, normalization: normalization(for: kind)) }
        let resize = torchvisionResize(for: kind)
        return PreprocessRecipe(resizeMode: .resizeShorterAndCrop, imageSize: size, normalization: normalization(for: kind),
                                interpolation: resize.interpolation,
                                resizeShorterSide: PreprocessRecipe.scaledShorterSide(imageSize: size, resizeAt224: resize.resizeAt224))
    }

    /// The model's default with the user's choices applied. Choosing another pipeline starts from that
    /// pipeline's own defaults (keras-directory squashes bilinear, keras-load-img squashes nearest,
    /// torchvision resizes the shorter side and crops) with the model's normalisation. Combinations no
    /// reference library runs are refused with the reason.
    public static func recipe(for kind: BackboneKind, choices: PreprocessChoices) throws -> PreprocessRecipe {
        let base = defaultRecipe(for: kind, imageSize: choices.imageSize)
        let size = base.imageSize
        var recipe: PreprocessRecipe
        switch choices.pipeline ?? base.pipeline {
        case base.pipeline: recipe = base
        case .torchvision:
            let resize = torchvisionResize(for: kind)
            recipe = PreprocessRecipe(imageSize: size, normalization: base.normalization, interpolation: resize.interpolation,
                                      resizeShorterSide: PreprocessRecipe.scaledShorterSide(imageSize: size, resizeAt224: resize.resizeAt224))
        case .kerasDirectory: recipe = .kerasDirectory(imageSize: size, normalization: base.normalization)
        case .kerasLoadImg: recipe = .kerasLoadImg(imageSize: size, normalization: base.normalization)
        }
        if let normalization = choices.normalization { recipe.normalization = normalization }
        if let interpolation = choices.interpolation { recipe.interpolation = interpolation }
        if let mode = choices.resizeMode {
            guard recipe.pipeline == .torchvision else {
                throw PipelineError("--resize applies to the torchvision pipeline; \(recipe.pipeline.rawValue) always resizes to S x S (--crop-to-aspect-ratio crops first)")
            }
            recipe.resizeMode = mode
        }
        if let side = choices.resizeShorterSide {
            guard recipe.pipeline == .torchvision, recipe.resizeMode == .resizeShorterAndCrop else {
                throw PipelineError("--resize-size applies to the torchvision pipeline's crop mode only")
            }
            recipe.resizeShorterSide = side
        }
        if choices.cropToAspectRatio {
            guard recipe.pipeline != .torchvision else {
                throw PipelineError("--crop-to-aspect-ratio applies to --preprocess keras-directory or keras-load-img; the torchvision pipeline crops with --resize crop")
            }
            recipe.resizeMode = .cropToAspectRatio
        }
        if let reason = recipe.unsupportedReason { throw PipelineError("preprocessing refused: \(reason)") }
        return recipe
    }
}

extension PreprocessRecipe {
    /// The `probe extract` flags that ask for exactly this recipe, e.g.
    /// `--preprocess torchvision --image-size 224 --resize crop --resize-size 256 --interpolation bilinear --normalization imagenet`.
    public var commandLineFlags: String {
        var flags = ["--preprocess \(pipeline.rawValue)", "--image-size \(imageSize)"]
        switch resizeMode {
        case .resizeShorterAndCrop: flags.append("--resize crop --resize-size \(resizeShorterSide)")
        case .squash: if pipeline == .torchvision { flags.append("--resize squash") }
        case .cropToAspectRatio: flags.append("--crop-to-aspect-ratio")
        }
        flags.append("--interpolation \(interpolation.rawValue) --normalization \(normalization.rawValue)")
        return flags.joined(separator: " ")
    }
}
