import ProbeTensor

/// One step of a feature extractor with its weights: an `Architecture` layer, loaded.
enum Stage {
    /// A convolution (GEMM or depthwise) with its folded batch norm and activation.
    case conv(Conv2DWeights)
    case maxPool(kernel: Int, stride: Int)
    /// See `Layer.invertedResidual`.
    case invertedResidual(expand: Conv2DWeights?, depthwise: Conv2DWeights, se: SqueezeExcitationWeights?,
                          project: Conv2DWeights, residual: Bool)
}

/// A feature extractor: its architecture table, and each layer's weights laid out for the engine.
struct Network {
    let architecture: Architecture
    let stages: [Stage]
    /// Per stage, the Winograd-domain weights of a `.conv` stage that `ForwardPlan` runs with
    /// Winograd (see `runsOnWinograd`), as F(4×4, 3×3), transformed once here; nil otherwise.
    let winograd: [WinogradWeights?]
    /// Keras EfficientNetB0's input layers, as a per-channel affine map on the NHWC input (see
    /// `applyInputAffine`); nil for the other networks.
    let inputAffine: InputAffine?
    /// Lite0's ImageNet head `_fc` ([1000, 1280] and [1000]) when the state dict has it.
    let classifier: (weight: [Float], bias: [Float])?

    /// Loads every tensor the architecture lists from `stateDict`, checking its shape.
    init(kind: BackboneKind, stateDict: StateDict) throws {
        architecture = Architecture(kind)
        func tensors(_ parameters: [(key: String, shape: [Int])]) throws -> [[Float]] {
            try parameters.map { key, shape in
                guard let found = stateDict[key] else {
                    throw BackboneError("\(kind.rawValue) weights: missing tensor '\(key)' (expected shape \(shape))")
                }
                guard found.shape == shape else {
                    throw BackboneError("\(kind.rawValue) weights: tensor '\(key)' has shape \(found.shape), expected \(shape)")
                }
                return found.values
            }
        }
        func conv(_ layer: ConvLayer) throws -> Conv2DWeights {
            // In `ConvLayer.parameters` order: weight, bias?, then the batch norm's four.
            let t = try tensors(layer.parameters)
            let norm = layer.batchNorm == nil ? nil : BatchNormParams(gamma: t[t.count - 4], beta: t[t.count - 3], mean: t[t.count - 2],
                                                                      variance: t[t.count - 1], eps: layer.eps)
            return Conv2DWeights(weight: t[0], shape: layer.weightShape, bias: layer.hasBias ? t[1] : nil, stride: layer.stride,
                                 padding: layer.padding, depthwise: layer.depthwise, batchNorm: norm, activation: layer.activation)
        }
        stages = try architecture.layers.map { layer in
            switch layer {
            case let .conv(c): return .conv(try conv(c))
            case let .maxPool(k, s): return .maxPool(kernel: k, stride: s)
            case let .invertedResidual(expand, dw, se, project, residual):
                // In `Architecture.parameters` order, so a missing tensor is reported as before.
                let expandWeights = try expand.map(conv), dwWeights = try conv(dw)
                let seWeights = try se.map { se in
                    let t = try tensors(se.parameters)
                    return SqueezeExcitationWeights(channels: se.channels, squeezed: se.squeezed, reduceWeight: t[0], reduceBias: t[1],
                                                    expandWeight: t[2], expandBias: t[3], hiddenActivation: .silu)
                }
                return .invertedResidual(expand: expandWeights, depthwise: dwWeights, se: seWeights,
                                         project: try conv(project), residual: residual)
            }
        }
        if let prefix = architecture.inputNormalization {
            let t = try tensors([("\(prefix).mean", [3]), ("\(prefix).variance", [3])])
            inputAffine = InputAffine(mean: t[0], variance: t[1])
        } else {
            inputAffine = nil
        }
        winograd = stages.map { if case let .conv(c) = $0, runsOnWinograd(c) { WinogradWeights(c) } else { nil } }
        if kind == .efficientnet_lite0, stateDict["_fc.weight"] != nil || stateDict["_fc.bias"] != nil {
            let t = try tensors([("_fc.weight", [1000, 1280]), ("_fc.bias", [1000])])
            classifier = (t[0], t[1])
        } else {
            classifier = nil
        }
    }
}

/// Keras EfficientNetB0's first three layers as `keras.applications` builds them with
/// `weights="imagenet"`: Rescaling(1/255) → Normalization(mean, variance from the weight file) →
/// Rescaling(1/sqrt(IMAGENET_STDDEV_RGB)). Per channel c:
///     y = (x · (1/255) − mean[c]) · (1 / max(sqrt(variance[c]), 1e-7)) · (1 / sqrt(std[c]))
/// (Keras's Normalization divides by max(sqrt(var), epsilon)). The ImageNet files store the std in
/// the variance slot, so y = (x/255 − mean)/std, the normalisation EfficientNet was trained with.
/// A model built with `weights=None` and given the same file by `load_weights` lacks the last
/// Rescaling and divides by sqrt(std) only; Probe reproduces `weights="imagenet"`, what the
/// notebooks it replaces build (docs in README, "Keras weights").
struct InputAffine {
    /// IMAGENET_STDDEV_RGB of keras.applications.efficientnet.
    static let imagenetStd: [Double] = [0.229, 0.224, 0.225]
    let scale: Float
    /// Per channel: the Normalization mean, and the product of the two divisions.
    let mean: [Float], factor: [Float]

    init(mean: [Float], variance: [Float]) {
        scale = Float(1.0 / 255.0)
        self.mean = mean
        factor = (0..<3).map { c in
            (1 / Swift.max(variance[c].squareRoot(), 1e-7)) * Float(1 / InputAffine.imagenetStd[c].squareRoot())
        }
    }

    /// Applies the map in place to `pixels` NHWC pixels of 3 channels.
    func apply(_ data: UnsafeMutablePointer<Float>, pixels: Int) {
        for p in 0..<pixels {
            for c in 0..<3 {
                data[p * 3 + c] = (data[p * 3 + c] * scale - mean[c]) * factor[c]
            }
        }
    }
}
