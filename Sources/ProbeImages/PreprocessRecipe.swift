/// How a decoded picture becomes a network input: whose pipeline it reproduces, geometry, filter and
/// normalisation. Recorded in every store's manifest (as JSON, see `docs/store-format.md`).
///
/// Three pipelines (`Pipeline`):
/// - `torchvision`: Pillow decode, `Resize(R)` (shorter side, antialiased, as Pillow does it) +
///   `CenterCrop(S)` + `ToTensor()` + `Normalize(mean, std)`; or a straight resize to S x S (`squash`).
/// - `keras-directory`: what `keras.utils.image_dataset_from_directory` feeds a model: TensorFlow's
///   decode (JPEG with the fast integer IDCT), `tf.image.resize` bilinear without antialiasing
///   (half-pixel centres) straight to S x S, float32 unrounded; `cropToAspectRatio` crops the centre
///   to the target aspect first (Keras `crop_to_aspect_ratio=True`).
/// - `keras-load-img`: `keras.utils.load_img(path, target_size=(S, S))`: Pillow decode, `convert("RGB")`,
///   `resize` nearest; `cropToAspectRatio` is `keep_aspect_ratio=True`.
/// Each then applies its `normalization` (the model's `preprocess_input` for the Keras ones).
public struct PreprocessRecipe: Codable, Hashable, Sendable {
    public enum Pipeline: String, Codable, CaseIterable, Sendable {
        case torchvision
        case kerasDirectory = "keras-directory"
        case kerasLoadImg = "keras-load-img"
    }

    public enum ResizeMode: String, Codable, CaseIterable, Sendable {
        /// Shorter side to `resizeShorterSide` keeping the aspect ratio, then the centred S x S crop.
        case resizeShorterAndCrop
        /// Straight to S x S, ignoring the aspect ratio (what the Keras tutorials do).
        case squash
        /// The largest centred crop with the target's aspect ratio (square), then straight to S x S
        /// (Keras `crop_to_aspect_ratio=True` / `load_img(keep_aspect_ratio=True)`).
        case cropToAspectRatio
    }

    public enum Normalization: String, Codable, CaseIterable, Sendable {
        /// RGB, x / 255, minus mean (0.485, 0.456, 0.406), over std (0.229, 0.224, 0.225) (torchvision).
        case imagenet
        /// BGR, x minus the channel means (103.939, 116.779, 123.68), no scaling (Keras "caffe").
        case caffe
        /// RGB, x / 127.5 - 1 (Keras "tf").
        case tf
        /// RGB 0...255 unchanged (Keras EfficientNet: `preprocess_input` is the identity, the network
        /// itself rescales and normalises).
        case raw
    }

    public enum Interpolation: String, Codable, CaseIterable, Sendable {
        /// torchvision, keras-load-img: Pillow's antialiased triangle filter (support 1, widened by the
        /// downscale factor). keras-directory: TensorFlow's bilinear without antialiasing.
        case bilinear
        /// Pillow's antialiased cubic filter (a = -0.5, support 2, widened by the downscale factor).
        case bicubic
        /// Pillow's nearest neighbour (keras-load-img's default).
        case nearest
    }

    public var pipeline: Pipeline
    public var resizeMode: ResizeMode
    public var imageSize: Int
    /// The shorter side before the crop (`resizeShorterAndCrop` only): torchvision's `resize_size`.
    public var resizeShorterSide: Int
    public var normalization: Normalization
    public var interpolation: Interpolation

    /// A torchvision recipe; `resizeShorterSide` nil means round(S * 256 / 224).
    public init(resizeMode: ResizeMode = .resizeShorterAndCrop, imageSize: Int = 224,
                normalization: Normalization = .imagenet, interpolation: Interpolation = .bilinear,
                resizeShorterSide: Int? = nil, pipeline: Pipeline = .torchvision) {
        precondition(imageSize > 0, "PreprocessRecipe: imageSize must be positive")
        self.pipeline = pipeline
        self.resizeMode = resizeMode
        self.imageSize = imageSize
        self.resizeShorterSide = resizeShorterSide ?? Self.scaledShorterSide(imageSize: imageSize, resizeAt224: 256)
        self.normalization = normalization
        self.interpolation = interpolation
    }

    /// torchvision's ImageNet evaluation recipe at input size S (resize 256 at 224, bilinear).
    public static func imagenet(imageSize: Int = 224) -> PreprocessRecipe {
        PreprocessRecipe(imageSize: imageSize)
    }

    /// `keras.utils.image_dataset_from_directory(image_size=(S, S))` + `preprocess_input`.
    public static func kerasDirectory(imageSize: Int, normalization: Normalization, cropToAspectRatio: Bool = false) -> PreprocessRecipe {
        PreprocessRecipe(resizeMode: cropToAspectRatio ? .cropToAspectRatio : .squash, imageSize: imageSize,
                         normalization: normalization, interpolation: .bilinear, pipeline: .kerasDirectory)
    }

    /// `keras.utils.load_img(path, target_size=(S, S))` + `preprocess_input`.
    public static func kerasLoadImg(imageSize: Int, normalization: Normalization, keepAspectRatio: Bool = false) -> PreprocessRecipe {
        PreprocessRecipe(resizeMode: keepAspectRatio ? .cropToAspectRatio : .squash, imageSize: imageSize,
                         normalization: normalization, interpolation: .nearest, pipeline: .kerasLoadImg)
    }

    /// A recipe's shorter side at input size S when the weights publish `resizeAt224` at 224:
    /// round(S * resizeAt224 / 224), halves away from zero (exactly resizeAt224 at S = 224).
    public static func scaledShorterSide(imageSize: Int, resizeAt224: Int) -> Int {
        Int((Double(imageSize) * Double(resizeAt224) / 224).rounded())
    }

    /// Why this recipe cannot run, or nil: each pipeline reproduces only what its library does.
    public var unsupportedReason: String? {
        switch pipeline {
        case .torchvision:
            if resizeMode == .cropToAspectRatio { return "torchvision recipes crop with --resize crop, not --crop-to-aspect-ratio" }
            if interpolation == .nearest { return "torchvision recipes use bilinear or bicubic interpolation" }
        case .kerasDirectory:
            if resizeMode == .resizeShorterAndCrop { return "keras-directory resizes straight to S x S (add --crop-to-aspect-ratio to crop first)" }
            if interpolation != .bilinear { return "keras-directory reproduces image_dataset_from_directory's default bilinear resize only" }
        case .kerasLoadImg:
            if resizeMode == .resizeShorterAndCrop { return "keras-load-img resizes straight to S x S (add --crop-to-aspect-ratio for keep_aspect_ratio)" }
        }
        if resizeMode == .resizeShorterAndCrop && resizeShorterSide < imageSize {
            return "the resize (\(resizeShorterSide)) must be at least the crop (\(imageSize))"
        }
        return nil
    }

    /// The decoder whose pixels this pipeline starts from.
    public var decoderFlavor: DecoderFlavor { pipeline == .kerasDirectory ? .tensorflow : .pillow }

    /// The smallest shorter side a decoded picture needs so the resize never upsamples beyond what
    /// a full decode would: the target shorter side (crop mode) or S (squash).
    public var minimumDecodedShorterSide: Int {
        resizeMode == .resizeShorterAndCrop ? resizeShorterSide : imageSize
    }

    /// Number of floats one preprocessed image takes: 3 * S * S.
    public var floatsPerImage: Int { 3 * imageSize * imageSize }

    enum CodingKeys: String, CodingKey {
        case pipeline, resizeMode, imageSize, resizeShorterSide, normalization, interpolation
    }

    /// Manifests written before the pipeline and resize fields existed hold torchvision recipes whose
    /// shorter side was round(S * 256 / 224): that is what a missing field means.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pipeline = try c.decodeIfPresent(Pipeline.self, forKey: .pipeline) ?? .torchvision
        resizeMode = try c.decode(ResizeMode.self, forKey: .resizeMode)
        imageSize = try c.decode(Int.self, forKey: .imageSize)
        guard imageSize > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .imageSize, in: c, debugDescription: "imageSize must be positive, not \(imageSize)")
        }
        resizeShorterSide = try c.decodeIfPresent(Int.self, forKey: .resizeShorterSide)
            ?? Self.scaledShorterSide(imageSize: imageSize, resizeAt224: 256)
        normalization = try c.decode(Normalization.self, forKey: .normalization)
        interpolation = try c.decode(Interpolation.self, forKey: .interpolation)
    }

    /// `resizeShorterSide` is written only where it means something (the crop mode).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pipeline, forKey: .pipeline)
        try c.encode(resizeMode, forKey: .resizeMode)
        try c.encode(imageSize, forKey: .imageSize)
        if resizeMode == .resizeShorterAndCrop { try c.encode(resizeShorterSide, forKey: .resizeShorterSide) }
        try c.encode(normalization, forKey: .normalization)
        try c.encode(interpolation, forKey: .interpolation)
    }

    /// Equality is of meaning: a squash recipe's unused shorter side does not count.
    public static func == (a: PreprocessRecipe, b: PreprocessRecipe) -> Bool {
        a.pipeline == b.pipeline && a.resizeMode == b.resizeMode && a.imageSize == b.imageSize
            && a.normalization == b.normalization && a.interpolation == b.interpolation
            && (a.resizeMode != .resizeShorterAndCrop || a.resizeShorterSide == b.resizeShorterSide)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(pipeline)
        hasher.combine(resizeMode)
        hasher.combine(imageSize)
        if resizeMode == .resizeShorterAndCrop { hasher.combine(resizeShorterSide) }
        hasher.combine(normalization)
        hasher.combine(interpolation)
    }
}
