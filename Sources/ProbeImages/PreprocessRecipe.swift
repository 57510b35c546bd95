/// How a decoded picture becomes a network input: geometry, filter and normalisation.
///
/// The default is torchvision's ImageNet recipe: `Resize(256)` (shorter side, antialiased bilinear,
/// as Pillow does it) + `CenterCrop(224)` + `ToTensor()` + `Normalize(mean, std)`.
/// `imageSize` S scales it: shorter side round(S * 256 / 224), crop S.
public struct PreprocessRecipe: Codable, Hashable, Sendable {
    public enum ResizeMode: String, Codable, CaseIterable, Sendable {
        /// Shorter side to round(S * 256 / 224) keeping the aspect ratio, then the centred S x S crop.
        case resizeShorterAndCrop
        /// Straight to S x S, ignoring the aspect ratio (what the Keras tutorials do).
        case squash
    }

    public enum Normalization: String, Codable, CaseIterable, Sendable {
        /// RGB, x / 255, minus mean (0.485, 0.456, 0.406), over std (0.229, 0.224, 0.225) (torchvision).
        case imagenet
        /// BGR, x minus the channel means (103.939, 116.779, 123.68), no scaling (Keras "caffe").
        case caffe
        /// RGB, x / 127.5 - 1 (Keras "tf").
        case tf
    }

    public enum Interpolation: String, Codable, CaseIterable, Sendable {
        /// Pillow's antialiased triangle filter (support 1, widened by the downscale factor).
        case bilinear
        /// Pillow's antialiased cubic filter (a = -0.5, support 2, widened by the downscale factor).
        case bicubic
    }

    public var resizeMode: ResizeMode
    public var imageSize: Int
    public var normalization: Normalization
    public var interpolation: Interpolation

    public init(resizeMode: ResizeMode = .resizeShorterAndCrop, imageSize: Int = 224,
                normalization: Normalization = .imagenet, interpolation: Interpolation = .bilinear) {
        precondition(imageSize > 0, "PreprocessRecipe: imageSize must be positive")
        self.resizeMode = resizeMode
        self.imageSize = imageSize
        self.normalization = normalization
        self.interpolation = interpolation
    }

    /// torchvision's ImageNet evaluation recipe at input size S.
    public static func imagenet(imageSize: Int = 224) -> PreprocessRecipe {
        PreprocessRecipe(imageSize: imageSize)
    }

    /// The shorter side before the crop: round(S * 256 / 224) (S * 8 / 7 is never a tie).
    public var resizeShorterSide: Int {
        Int((Double(imageSize) * 256 / 224).rounded())
    }

    /// The smallest shorter side a decoded picture needs so the resize never upsamples beyond what
    /// a full decode would: the target shorter side (crop mode) or S (squash).
    public var minimumDecodedShorterSide: Int {
        resizeMode == .squash ? imageSize : resizeShorterSide
    }

    /// Number of floats one preprocessed image takes: 3 * S * S.
    public var floatsPerImage: Int { 3 * imageSize * imageSize }
}
