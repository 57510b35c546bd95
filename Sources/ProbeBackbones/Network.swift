import ProbeTensor

/// Reads named tensors from a state dict, checking shapes; with no state dict it hands out zeros
/// and only records the keys, which is how `Backbone.requiredParameters` lists them.
final class WeightSource {
    let kind: BackboneKind
    let stateDict: StateDict?
    private(set) var requested: [(key: String, shape: [Int])] = []

    init(kind: BackboneKind, stateDict: StateDict?) {
        self.kind = kind
        self.stateDict = stateDict
    }

    func tensor(_ key: String, _ shape: [Int]) throws -> [Float] {
        requested.append((key, shape))
        guard let stateDict else { return [Float](repeating: 0, count: shape.reduce(1, *)) }
        guard let found = stateDict[key] else {
            throw BackboneError("\(kind.rawValue) weights: missing tensor '\(key)' (expected shape \(shape))")
        }
        guard found.shape == shape else {
            throw BackboneError("\(kind.rawValue) weights: tensor '\(key)' has shape \(found.shape), expected \(shape)")
        }
        return found.values
    }

    func batchNorm(_ prefix: String, _ channels: Int, eps: Float) throws -> BatchNormParams {
        BatchNormParams(gamma: try tensor(prefix + ".weight", [channels]), beta: try tensor(prefix + ".bias", [channels]),
                        mean: try tensor(prefix + ".running_mean", [channels]), variance: try tensor(prefix + ".running_var", [channels]),
                        eps: eps)
    }

    /// A convolution `conv` (weight, optional bias) followed by batch norm `bn` (if any) and `activation`.
    func conv(_ conv: String, bn: String?, inChannels: Int, outChannels: Int, kernel: Int, stride: Int,
              padding: ConvPadding, depthwise: Bool = false, hasBias: Bool = false, eps: Float,
              activation: Activation) throws -> Conv2DWeights {
        let shape = [outChannels, depthwise ? 1 : inChannels, kernel, kernel]
        let weight = try tensor(conv + ".weight", shape)
        let bias = hasBias ? try tensor(conv + ".bias", [outChannels]) : nil
        let norm = try bn.map { try batchNorm($0, outChannels, eps: eps) }
        return Conv2DWeights(weight: weight, shape: shape, bias: bias, stride: stride, padding: padding,
                             depthwise: depthwise, batchNorm: norm, activation: activation)
    }
}

/// One step of a feature extractor.
enum Stage {
    /// A convolution (GEMM or depthwise) with its folded batch norm and activation.
    case conv(Conv2DWeights)
    case maxPool(kernel: Int, stride: Int)
    /// MobileNetV2 / EfficientNet inverted residual: optional 1×1 expand, depthwise, optional SE,
    /// 1×1 project (no activation), plus the input when `residual`.
    case invertedResidual(expand: Conv2DWeights?, depthwise: Conv2DWeights, se: SqueezeExcitationWeights?,
                          project: Conv2DWeights, residual: Bool)
}

/// EfficientNet-B0 / Lite0 stage table: (expand ratio, kernel, stride, in, out, repeats).
private let efficientNetStages: [(expand: Int, kernel: Int, stride: Int, inC: Int, outC: Int, repeats: Int)] = [
    (1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
    (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1),
]

/// A feature extractor as a list of stages, with its weights laid out for the engine.
struct Network {
    let kind: BackboneKind
    let stages: [Stage]
    /// Per stage, the Winograd-domain weights of a `.conv` stage that `ForwardPlan` runs with
    /// Winograd (see `runsOnWinograd`), as F(4×4, 3×3), transformed once here; nil otherwise.
    let winograd: [WinogradWeights?]
    /// Lite0's ImageNet head `_fc` ([1000, 1280] and [1000]) when the state dict has it.
    let classifier: (weight: [Float], bias: [Float])?

    init(kind: BackboneKind, weights w: WeightSource) throws {
        self.kind = kind
        var stages: [Stage] = []
        var classifier: (weight: [Float], bias: [Float])? = nil
        switch kind {
        case .vgg16:
            // torchvision cfg "D": conv3x3(pad 1)+ReLU, "M" = MaxPool2d(2, 2); index counts ReLU/pool modules too.
            let cfg = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0]
            var index = 0, inC = 3
            for v in cfg {
                if v == 0 {
                    stages.append(.maxPool(kernel: 2, stride: 2)); index += 1
                } else {
                    stages.append(.conv(try w.conv("features.\(index)", bn: nil, inChannels: inC, outChannels: v, kernel: 3,
                                                   stride: 1, padding: .symmetric(1, 1), hasBias: true, eps: 0, activation: .relu)))
                    inC = v; index += 2
                }
            }
        case .mobilenet_v2:
            let eps: Float = 1e-5
            stages.append(.conv(try w.conv("features.0.0", bn: "features.0.1", inChannels: 3, outChannels: 32, kernel: 3,
                                           stride: 2, padding: .symmetric(1, 1), eps: eps, activation: .relu6)))
            let settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
            var inC = 32, index = 1
            for (t, c, n, s) in settings {
                for j in 0..<n {
                    let stride = j == 0 ? s : 1, hidden = inC * t
                    let p = "features.\(index).conv"
                    var expand: Conv2DWeights? = nil
                    var next = 0
                    if t != 1 {
                        expand = try w.conv("\(p).0.0", bn: "\(p).0.1", inChannels: inC, outChannels: hidden, kernel: 1, stride: 1,
                                            padding: .symmetric(0, 0), eps: eps, activation: .relu6)
                        next = 1
                    }
                    let dw = try w.conv("\(p).\(next).0", bn: "\(p).\(next).1", inChannels: hidden, outChannels: hidden, kernel: 3,
                                        stride: stride, padding: .symmetric(1, 1), depthwise: true, eps: eps, activation: .relu6)
                    let project = try w.conv("\(p).\(next + 1)", bn: "\(p).\(next + 2)", inChannels: hidden, outChannels: c, kernel: 1,
                                             stride: 1, padding: .symmetric(0, 0), eps: eps, activation: .identity)
                    stages.append(.invertedResidual(expand: expand, depthwise: dw, se: nil, project: project,
                                                    residual: stride == 1 && inC == c))
                    inC = c; index += 1
                }
            }
            stages.append(.conv(try w.conv("features.18.0", bn: "features.18.1", inChannels: 320, outChannels: 1280, kernel: 1,
                                           stride: 1, padding: .symmetric(0, 0), eps: eps, activation: .relu6)))
        case .efficientnet_b0:
            let eps: Float = 1e-5
            stages.append(.conv(try w.conv("features.0.0", bn: "features.0.1", inChannels: 3, outChannels: 32, kernel: 3,
                                           stride: 2, padding: .symmetric(1, 1), eps: eps, activation: .silu)))
            for (stageIndex, st) in efficientNetStages.enumerated() {
                for j in 0..<st.repeats {
                    let inC = j == 0 ? st.inC : st.outC, stride = j == 0 ? st.stride : 1
                    let hidden = inC * st.expand, pad = (st.kernel - 1) / 2
                    let p = "features.\(stageIndex + 1).\(j).block"
                    var expand: Conv2DWeights? = nil
                    var next = 0
                    if st.expand != 1 {
                        expand = try w.conv("\(p).0.0", bn: "\(p).0.1", inChannels: inC, outChannels: hidden, kernel: 1, stride: 1,
                                            padding: .symmetric(0, 0), eps: eps, activation: .silu)
                        next = 1
                    }
                    let dw = try w.conv("\(p).\(next).0", bn: "\(p).\(next).1", inChannels: hidden, outChannels: hidden,
                                        kernel: st.kernel, stride: stride, padding: .symmetric(pad, pad), depthwise: true,
                                        eps: eps, activation: .silu)
                    let squeezed = Swift.max(1, inC / 4)
                    let se = SqueezeExcitationWeights(
                        channels: hidden, squeezed: squeezed,
                        reduceWeight: try w.tensor("\(p).\(next + 1).fc1.weight", [squeezed, hidden, 1, 1]),
                        reduceBias: try w.tensor("\(p).\(next + 1).fc1.bias", [squeezed]),
                        expandWeight: try w.tensor("\(p).\(next + 1).fc2.weight", [hidden, squeezed, 1, 1]),
                        expandBias: try w.tensor("\(p).\(next + 1).fc2.bias", [hidden]),
                        hiddenActivation: .silu)
                    let project = try w.conv("\(p).\(next + 2).0", bn: "\(p).\(next + 2).1", inChannels: hidden, outChannels: st.outC,
                                             kernel: 1, stride: 1, padding: .symmetric(0, 0), eps: eps, activation: .identity)
                    stages.append(.invertedResidual(expand: expand, depthwise: dw, se: se, project: project,
                                                    residual: stride == 1 && inC == st.outC))
                }
            }
            stages.append(.conv(try w.conv("features.8.0", bn: "features.8.1", inChannels: 320, outChannels: 1280, kernel: 1,
                                           stride: 1, padding: .symmetric(0, 0), eps: eps, activation: .silu)))
        case .efficientnet_lite0:
            let eps: Float = 1e-3
            stages.append(.conv(try w.conv("_conv_stem", bn: "_bn0", inChannels: 3, outChannels: 32, kernel: 3, stride: 2,
                                           padding: .tfSame, eps: eps, activation: .relu6)))
            var block = 0
            for st in efficientNetStages {
                for j in 0..<st.repeats {
                    let inC = j == 0 ? st.inC : st.outC, stride = j == 0 ? st.stride : 1
                    let hidden = inC * st.expand
                    let p = "_blocks.\(block)"
                    let expand = st.expand == 1 ? nil : try w.conv("\(p)._expand_conv", bn: "\(p)._bn0", inChannels: inC,
                                                                  outChannels: hidden, kernel: 1, stride: 1, padding: .tfSame,
                                                                  eps: eps, activation: .relu6)
                    let dw = try w.conv("\(p)._depthwise_conv", bn: "\(p)._bn1", inChannels: hidden, outChannels: hidden,
                                        kernel: st.kernel, stride: stride, padding: .tfSame, depthwise: true, eps: eps, activation: .relu6)
                    let project = try w.conv("\(p)._project_conv", bn: "\(p)._bn2", inChannels: hidden, outChannels: st.outC,
                                             kernel: 1, stride: 1, padding: .tfSame, eps: eps, activation: .identity)
                    stages.append(.invertedResidual(expand: expand, depthwise: dw, se: nil, project: project,
                                                    residual: stride == 1 && inC == st.outC))
                    block += 1
                }
            }
            stages.append(.conv(try w.conv("_conv_head", bn: "_bn1", inChannels: 320, outChannels: 1280, kernel: 1, stride: 1,
                                           padding: .tfSame, eps: eps, activation: .relu6)))
            if let dict = w.stateDict, dict["_fc.weight"] != nil || dict["_fc.bias"] != nil {
                classifier = (try w.tensor("_fc.weight", [1000, 1280]), try w.tensor("_fc.bias", [1000]))
            }
        }
        self.stages = stages
        // Without a state dict the network only lists its parameters and is never run: skip the transform.
        self.winograd = stages.map {
            if w.stateDict != nil, case let .conv(c) = $0, runsOnWinograd(c) { WinogradWeights(c) } else { nil }
        }
        self.classifier = classifier
    }

    /// Multiply-accumulates per image at `height`×`width` (convolutions only).
    func multiplyAccumulates(height: Int, width: Int) -> Int {
        var h = height, w = width, total = 0
        func conv(_ c: Conv2DWeights) {
            let g = c.geometry(height: h, width: w)
            total += g.outHeight * g.outWidth * c.outChannels * c.patchSize
            h = g.outHeight; w = g.outWidth
        }
        for stage in stages {
            switch stage {
            case let .conv(c): conv(c)
            case let .maxPool(k, s): h = (h - k) / s + 1; w = (w - k) / s + 1
            case let .invertedResidual(expand, dw, se, project, _):
                if let expand { conv(expand) }
                conv(dw)
                if let se { total += 2 * se.channels * se.squeezed }
                conv(project)
            }
        }
        return total
    }
}
