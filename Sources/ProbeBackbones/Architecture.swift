import ProbeTensor

/// One convolution of an architecture: its shape, padding and activation, and the checkpoint
/// keys of its weight, bias and batch norm. It holds no weights; `Network` loads them by these keys.
struct ConvLayer {
    /// Key prefix of the convolution (`features.0.0` → `features.0.0.weight`).
    let name: String
    /// Key prefix of the batch norm that follows, if any.
    let batchNorm: String?
    let inChannels: Int, outChannels: Int, kernel: Int, stride: Int
    let padding: ConvPadding
    var depthwise = false
    var hasBias = false
    let eps: Float
    let activation: Activation

    /// PyTorch's weight shape [outC, inC/groups, k, k].
    var weightShape: [Int] { [outChannels, depthwise ? 1 : inChannels, kernel, kernel] }

    /// The tensors this layer reads, in order: weight, bias (if any), then the batch norm's
    /// weight, bias, running mean and running variance (if any).
    var parameters: [(key: String, shape: [Int])] {
        var list = [(key: name + ".weight", shape: weightShape)]
        if hasBias { list.append((name + ".bias", [outChannels])) }
        if let batchNorm {
            for field in ["weight", "bias", "running_mean", "running_var"] { list.append(("\(batchNorm).\(field)", [outChannels])) }
        }
        return list
    }

    func geometry(height: Int, width: Int) -> ConvGeometry {
        ConvGeometry(height: height, width: width, kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: padding)
    }

    /// Multiply-accumulates of one output pixel.
    var patchSize: Int { kernel * kernel * (depthwise ? 1 : inChannels) }
}

/// torchvision's `SqueezeExcitation` (fc1, fc2: 1×1 convolutions with bias) under key prefix `name`.
struct SqueezeExcitationLayer {
    let name: String
    let channels: Int, squeezed: Int

    /// fc1's weight and bias, then fc2's.
    var parameters: [(key: String, shape: [Int])] {
        [("\(name).fc1.weight", [squeezed, channels, 1, 1]), ("\(name).fc1.bias", [squeezed]),
         ("\(name).fc2.weight", [channels, squeezed, 1, 1]), ("\(name).fc2.bias", [channels])]
    }
}

/// One step of a feature extractor, as the architecture table lists it.
enum Layer {
    case conv(ConvLayer)
    case maxPool(kernel: Int, stride: Int)
    /// MobileNetV2 / EfficientNet inverted residual: optional 1×1 expand, depthwise, optional SE,
    /// 1×1 project (no activation), plus the input when `residual`.
    case invertedResidual(expand: ConvLayer?, depthwise: ConvLayer, se: SqueezeExcitationLayer?, project: ConvLayer, residual: Bool)
}

/// An NHWC activation's shape for one image.
struct FeatureShape: Equatable {
    let height: Int, width: Int, channels: Int
    var pixels: Int { height * width }
    var count: Int { height * width * channels }
}

/// Where one layer of the walk reads and writes at a given input size.
struct LayerShape {
    let input: FeatureShape, output: FeatureShape
    /// The geometry of the layer's convolution (a `.conv`) or of its depthwise convolution (an
    /// inverted residual); nil for a pool.
    let geometry: ConvGeometry?
    /// An inverted residual's 1×1 expand (at the input size, if it has one) and project (at the output size).
    let expand: ConvGeometry?, project: ConvGeometry?
}

/// EfficientNet-B0 / Lite0 stage table: (expand ratio, kernel, stride, in, out, repeats).
private let efficientNetStages: [(expand: Int, kernel: Int, stride: Int, inC: Int, outC: Int, repeats: Int)] = [
    (1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
    (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1),
]

/// A backbone's architecture without its weights: the layers with their shapes and checkpoint
/// keys. The shape walk, the multiply-add count and the list of required parameters read this
/// table; `Network` loads weights by it.
struct Architecture {
    let kind: BackboneKind
    let layers: [Layer]
    /// Key prefix of a per-channel input normalisation the network applies before its first layer
    /// (Keras EfficientNetB0's Normalization layer: `<prefix>.mean`, `<prefix>.variance`, [3] each); nil for the others.
    let inputNormalization: String?

    /// A batch-normed convolution as TensorFlow builds it: "SAME" padding (on stride 2 the extra row and
    /// column go bottom/right) and batch-norm eps 1e-3. The Keras models and efficientnet_lite_pytorch
    /// (a port of TF weights) share it; torchvision pads symmetrically with eps 1e-5.
    static func tfConv(_ name: String, _ bn: String, _ inC: Int, _ outC: Int, kernel: Int, stride: Int,
                       depthwise: Bool, _ activation: Activation) -> ConvLayer {
        ConvLayer(name: name, batchNorm: bn, inChannels: inC, outChannels: outC, kernel: kernel, stride: stride,
                  padding: .tfSame, depthwise: depthwise, eps: 1e-3, activation: activation)
    }

    init(_ kind: BackboneKind) {
        self.kind = kind
        var layers: [Layer] = []
        var inputNormalization: String? = nil
        switch kind {
        case .keras_vgg16:
            // keras.applications.VGG16: block<b>_conv<i> (3×3 'same', bias, ReLU), block<b>_pool (2×2, stride 2).
            var inC = 3
            for (block, (width, convs)) in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)].enumerated() {
                for i in 1...convs {
                    layers.append(.conv(ConvLayer(name: "block\(block + 1)_conv\(i)", batchNorm: nil, inChannels: inC, outChannels: width,
                                                  kernel: 3, stride: 1, padding: .symmetric(1, 1), hasBias: true, eps: 0, activation: .relu)))
                    inC = width
                }
                layers.append(.maxPool(kernel: 2, stride: 2))
            }
        case .keras_mobilenet_v2:
            // keras.applications.MobileNetV2 (alpha 1.0): Conv1/bn_Conv1, then `expanded_conv_` (block 0) and
            // `block_<id>_` {expand, expand_BN, depthwise, depthwise_BN, project, project_BN}, then Conv_1/Conv_1_bn.
            // Stride-2 layers are 'same' or ZeroPadding2D(correct_pad) + 'valid': both are TF "SAME".
            func conv(_ name: String, _ bn: String, _ inC: Int, _ outC: Int, kernel: Int = 1, stride: Int = 1,
                      depthwise: Bool = false, _ activation: Activation = .relu6) -> ConvLayer {
                Self.tfConv(name, bn, inC, outC, kernel: kernel, stride: stride, depthwise: depthwise, activation)
            }
            layers.append(.conv(conv("Conv1", "bn_Conv1", 3, 32, kernel: 3, stride: 2)))
            let settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
            var inC = 32, blockID = 0
            for (t, c, n, s) in settings {
                for j in 0..<n {
                    let stride = j == 0 ? s : 1, hidden = inC * t
                    let p = blockID == 0 ? "expanded_conv_" : "block_\(blockID)_"
                    layers.append(.invertedResidual(
                        expand: t == 1 ? nil : conv(p + "expand", p + "expand_BN", inC, hidden),
                        depthwise: conv(p + "depthwise", p + "depthwise_BN", hidden, hidden, kernel: 3, stride: stride, depthwise: true),
                        se: nil, project: conv(p + "project", p + "project_BN", hidden, c, .identity),
                        residual: stride == 1 && inC == c))
                    inC = c; blockID += 1
                }
            }
            layers.append(.conv(conv("Conv_1", "Conv_1_bn", 320, 1280)))
        case .keras_efficientnet_b0:
            // keras.applications.EfficientNetB0: Rescaling(1/255) → Normalization → Rescaling(1/sqrt(std)) (see
            // `Network.inputAffine`), stem_conv/stem_bn, blocks `block<stage><letter>_` {expand_conv, expand_bn,
            // dwconv, bn, se_reduce, se_expand, project_conv, project_bn}, top_conv/top_bn. Swish = SiLU.
            func conv(_ name: String, _ bn: String, _ inC: Int, _ outC: Int, kernel: Int = 1, stride: Int = 1,
                      depthwise: Bool = false, _ activation: Activation = .silu) -> ConvLayer {
                Self.tfConv(name, bn, inC, outC, kernel: kernel, stride: stride, depthwise: depthwise, activation)
            }
            inputNormalization = "normalization"
            layers.append(.conv(conv("stem_conv", "stem_bn", 3, 32, kernel: 3, stride: 2)))
            for (stageIndex, st) in efficientNetStages.enumerated() {
                for j in 0..<st.repeats {
                    let inC = j == 0 ? st.inC : st.outC, stride = j == 0 ? st.stride : 1
                    let hidden = inC * st.expand
                    let p = "block\(stageIndex + 1)\(Character(UnicodeScalar(UInt8(97 + j))))_"
                    layers.append(.invertedResidual(
                        expand: st.expand == 1 ? nil : conv(p + "expand_conv", p + "expand_bn", inC, hidden),
                        depthwise: conv(p + "dwconv", p + "bn", hidden, hidden, kernel: st.kernel, stride: stride, depthwise: true),
                        se: SqueezeExcitationLayer(name: p + "se", channels: hidden, squeezed: Swift.max(1, inC / 4)),
                        project: conv(p + "project_conv", p + "project_bn", hidden, st.outC, .identity),
                        residual: stride == 1 && inC == st.outC))
                }
            }
            layers.append(.conv(conv("top_conv", "top_bn", 320, 1280)))
        case .vgg16:
            // torchvision cfg "D": conv3x3(pad 1)+ReLU, "M" = MaxPool2d(2, 2); index counts ReLU/pool modules too.
            let cfg = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0]
            var index = 0, inC = 3
            for v in cfg {
                if v == 0 {
                    layers.append(.maxPool(kernel: 2, stride: 2)); index += 1
                } else {
                    layers.append(.conv(ConvLayer(name: "features.\(index)", batchNorm: nil, inChannels: inC, outChannels: v, kernel: 3,
                                                  stride: 1, padding: .symmetric(1, 1), hasBias: true, eps: 0, activation: .relu)))
                    inC = v; index += 2
                }
            }
        case .mobilenet_v2:
            func conv(_ name: String, _ bn: String, _ inC: Int, _ outC: Int, kernel: Int = 1, stride: Int = 1,
                      depthwise: Bool = false, _ activation: Activation = .relu6) -> ConvLayer {
                ConvLayer(name: name, batchNorm: bn, inChannels: inC, outChannels: outC, kernel: kernel, stride: stride,
                          padding: .symmetric(kernel / 2, kernel / 2), depthwise: depthwise, eps: 1e-5, activation: activation)
            }
            layers.append(.conv(conv("features.0.0", "features.0.1", 3, 32, kernel: 3, stride: 2)))
            let settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
            var inC = 32, index = 1
            for (t, c, n, s) in settings {
                for j in 0..<n {
                    let stride = j == 0 ? s : 1, hidden = inC * t
                    let p = "features.\(index).conv", next = t == 1 ? 0 : 1
                    let expand = t == 1 ? nil : conv("\(p).0.0", "\(p).0.1", inC, hidden)
                    layers.append(.invertedResidual(
                        expand: expand,
                        depthwise: conv("\(p).\(next).0", "\(p).\(next).1", hidden, hidden, kernel: 3, stride: stride, depthwise: true),
                        se: nil, project: conv("\(p).\(next + 1)", "\(p).\(next + 2)", hidden, c, .identity),
                        residual: stride == 1 && inC == c))
                    inC = c; index += 1
                }
            }
            layers.append(.conv(conv("features.18.0", "features.18.1", 320, 1280)))
        case .efficientnet_b0:
            func conv(_ prefix: String, _ inC: Int, _ outC: Int, kernel: Int = 1, stride: Int = 1,
                      depthwise: Bool = false, _ activation: Activation = .silu) -> ConvLayer {
                ConvLayer(name: prefix + ".0", batchNorm: prefix + ".1", inChannels: inC, outChannels: outC, kernel: kernel,
                          stride: stride, padding: .symmetric(kernel / 2, kernel / 2), depthwise: depthwise, eps: 1e-5,
                          activation: activation)
            }
            layers.append(.conv(conv("features.0", 3, 32, kernel: 3, stride: 2)))
            for (stageIndex, st) in efficientNetStages.enumerated() {
                for j in 0..<st.repeats {
                    let inC = j == 0 ? st.inC : st.outC, stride = j == 0 ? st.stride : 1
                    let hidden = inC * st.expand
                    let p = "features.\(stageIndex + 1).\(j).block", next = st.expand == 1 ? 0 : 1
                    layers.append(.invertedResidual(
                        expand: st.expand == 1 ? nil : conv("\(p).0", inC, hidden),
                        depthwise: conv("\(p).\(next)", hidden, hidden, kernel: st.kernel, stride: stride, depthwise: true),
                        se: SqueezeExcitationLayer(name: "\(p).\(next + 1)", channels: hidden, squeezed: Swift.max(1, inC / 4)),
                        project: conv("\(p).\(next + 2)", hidden, st.outC, .identity),
                        residual: stride == 1 && inC == st.outC))
                }
            }
            layers.append(.conv(conv("features.8", 320, 1280)))
        case .efficientnet_lite0:
            func conv(_ name: String, _ bn: String, _ inC: Int, _ outC: Int, kernel: Int = 1, stride: Int = 1,
                      depthwise: Bool = false, _ activation: Activation = .relu6) -> ConvLayer {
                Self.tfConv(name, bn, inC, outC, kernel: kernel, stride: stride, depthwise: depthwise, activation)
            }
            layers.append(.conv(conv("_conv_stem", "_bn0", 3, 32, kernel: 3, stride: 2)))
            var block = 0
            for st in efficientNetStages {
                for j in 0..<st.repeats {
                    let inC = j == 0 ? st.inC : st.outC, stride = j == 0 ? st.stride : 1
                    let hidden = inC * st.expand, p = "_blocks.\(block)"
                    layers.append(.invertedResidual(
                        expand: st.expand == 1 ? nil : conv("\(p)._expand_conv", "\(p)._bn0", inC, hidden),
                        depthwise: conv("\(p)._depthwise_conv", "\(p)._bn1", hidden, hidden, kernel: st.kernel, stride: stride,
                                        depthwise: true),
                        se: nil, project: conv("\(p)._project_conv", "\(p)._bn2", hidden, st.outC, .identity),
                        residual: stride == 1 && inC == st.outC))
                    block += 1
                }
            }
            layers.append(.conv(conv("_conv_head", "_bn1", 320, 1280)))
        }
        self.layers = layers
        self.inputNormalization = inputNormalization
    }

    /// The checkpoint tensors the layers read, in order, with their PyTorch shapes.
    var parameters: [(key: String, shape: [Int])] {
        let normalization = inputNormalization.map { [("\($0).mean", [3]), ("\($0).variance", [3])] } ?? []
        return normalization + layers.flatMap { layer -> [(key: String, shape: [Int])] in
            switch layer {
            case let .conv(c): return c.parameters
            case .maxPool: return []
            case let .invertedResidual(expand, dw, se, project, _):
                return (expand?.parameters ?? []) + dw.parameters + (se?.parameters ?? []) + project.parameters
            }
        }
    }

    /// Each layer's input, output and convolution geometries for one `height`×`width` RGB image.
    func shapes(height: Int, width: Int) -> [LayerShape] {
        var shape = FeatureShape(height: height, width: width, channels: 3)
        return layers.map { layer in
            let input = shape
            var geometry: ConvGeometry? = nil, expand: ConvGeometry? = nil, project: ConvGeometry? = nil
            switch layer {
            case let .conv(c):
                let g = c.geometry(height: input.height, width: input.width)
                geometry = g
                shape = FeatureShape(height: g.outHeight, width: g.outWidth, channels: c.outChannels)
            case let .maxPool(k, s):
                shape = FeatureShape(height: (input.height - k) / s + 1, width: (input.width - k) / s + 1, channels: input.channels)
            case let .invertedResidual(e, dw, _, p, _):
                expand = e?.geometry(height: input.height, width: input.width)
                let g = dw.geometry(height: input.height, width: input.width)
                geometry = g
                project = p.geometry(height: g.outHeight, width: g.outWidth)
                shape = FeatureShape(height: project!.outHeight, width: project!.outWidth, channels: p.outChannels)
            }
            return LayerShape(input: input, output: shape, geometry: geometry, expand: expand, project: project)
        }
    }

    /// Multiply-accumulates of one image's forward pass at `height`×`width` (convolutions and squeeze-excitation).
    func multiplyAccumulates(height: Int, width: Int) -> Int {
        zip(layers, shapes(height: height, width: width)).reduce(0) { total, step in
            let (layer, shape) = step
            func macs(_ c: ConvLayer, _ g: ConvGeometry?) -> Int { g.map { $0.outHeight * $0.outWidth * c.outChannels * c.patchSize } ?? 0 }
            switch layer {
            case let .conv(c): return total + macs(c, shape.geometry)
            case .maxPool: return total
            case let .invertedResidual(expand, dw, se, project, _):
                return total + (expand.map { macs($0, shape.expand) } ?? 0) + macs(dw, shape.geometry)
                    + (se.map { 2 * $0.channels * $0.squeezed } ?? 0) + macs(project, shape.project)
            }
        }
    }
}
