/// The ImageNet feature extractors Probe runs: four torchvision / PyTorch ones and three Keras
/// `keras.applications` ones (`include_top=False`), which read Keras weight files.
public enum BackboneKind: String, CaseIterable, Codable, Sendable {
    /// torchvision `vgg16().features`: 13 3×3 convs with ReLU, 5 max pools.
    case vgg16
    /// torchvision `mobilenet_v2().features` (width 1.0).
    case mobilenet_v2
    /// torchvision `efficientnet_b0().features` (squeeze-excitation, SiLU).
    case efficientnet_b0
    /// efficientnet_lite_pytorch's `efficientnet-lite0` up to `_conv_head`/`_bn1`
    /// (TF-"SAME" padding, ReLU6, no squeeze-excitation, batch-norm eps 1e-3).
    case efficientnet_lite0
    /// Keras `VGG16`: the same layers as torchvision's; its weights come from a Keras file.
    case keras_vgg16
    /// Keras `MobileNetV2` (alpha 1.0): batch-norm eps 1e-3, stride-2 convolutions padded bottom/right
    /// only (TF "SAME"), otherwise torchvision's layers.
    case keras_mobilenet_v2
    /// Keras `EfficientNetB0`: torchvision's blocks with eps 1e-3 and TF "SAME" padding, and the
    /// model's own input scaling (Rescaling 1/255, Normalization, Rescaling 1/sqrt(std)).
    case keras_efficientnet_b0

    /// Length of the pooled embedding: the channel count of the last feature map.
    public var embeddingDim: Int {
        switch self {
        case .vgg16, .keras_vgg16: return 512
        case .mobilenet_v2, .efficientnet_b0, .efficientnet_lite0, .keras_mobilenet_v2, .keras_efficientnet_b0: return 1280
        }
    }

    /// True for the models whose weights are Keras files (`.h5`, `.weights.h5`, `.keras`).
    public var isKeras: Bool {
        switch self {
        case .keras_vgg16, .keras_mobilenet_v2, .keras_efficientnet_b0: return true
        case .vgg16, .mobilenet_v2, .efficientnet_b0, .efficientnet_lite0: return false
        }
    }

    /// The same network in the other framework's flavour (`keras_vgg16` for `vgg16` and back);
    /// nil for Lite0, which Keras does not ship.
    public var twin: BackboneKind? {
        switch self {
        case .vgg16: return .keras_vgg16
        case .mobilenet_v2: return .keras_mobilenet_v2
        case .efficientnet_b0: return .keras_efficientnet_b0
        case .efficientnet_lite0: return nil
        case .keras_vgg16: return .vgg16
        case .keras_mobilenet_v2: return .mobilenet_v2
        case .keras_efficientnet_b0: return .efficientnet_b0
        }
    }

    /// Multiply-accumulates of the feature extractor for one image of `height`×`width`,
    /// counted from the layer shapes (for the benchmark's GFLOP/s).
    public func multiplyAccumulates(height: Int, width: Int) -> Int {
        Architecture(self).multiplyAccumulates(height: height, width: width)
    }
}

/// How the last feature map [H, W, C] becomes the embedding [C].
public enum Pooling: String, CaseIterable, Codable, Sendable {
    /// Mean over H·W (the embedding torchvision's avgpool + flatten would give at 1×1).
    case avg
    /// Maximum over H·W.
    case max
}

/// A backbone error with a one-line message fit to show a user as it is.
public struct BackboneError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
