/// The four ImageNet feature extractors Probe runs.
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

    /// Length of the pooled embedding: the channel count of the last feature map.
    public var embeddingDim: Int {
        switch self {
        case .vgg16: return 512
        case .mobilenet_v2, .efficientnet_b0, .efficientnet_lite0: return 1280
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
