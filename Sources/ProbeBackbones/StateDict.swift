import ProbeTensor

/// One named tensor from a checkpoint, converted to float32.
///
/// The weight readers (safetensors, .pth zip and legacy) produce these; the
/// networks consume them by key. `shape` is PyTorch's (e.g. conv weights are
/// [outC, inC/groups, kH, kW]). Readers may back `values` by a memory map.
public struct WeightTensor: Sendable {
    public let shape: [Int]
    public let values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "WeightTensor: shape \(shape) for \(values.count) values")
        self.shape = shape
        self.values = values
    }
}

/// A checkpoint's tensors by their PyTorch key (`features.0.weight`, `_conv_stem.weight`, ...).
public typealias StateDict = [String: WeightTensor]
