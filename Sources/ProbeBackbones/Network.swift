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
        winograd = stages.map { if case let .conv(c) = $0, runsOnWinograd(c) { WinogradWeights(c) } else { nil } }
        if kind == .efficientnet_lite0, stateDict["_fc.weight"] != nil || stateDict["_fc.bias"] != nil {
            let t = try tensors([("_fc.weight", [1000, 1280]), ("_fc.bias", [1000])])
            classifier = (t[0], t[1])
        } else {
            classifier = nil
        }
    }
}
