import ProbeTensor

/// One named tensor from a checkpoint, as float32 in row-major (C-contiguous) order.
///
/// The weight readers (safetensors, .pth zip and legacy) produce these; the
/// networks consume them by key. `shape` is PyTorch's (e.g. conv weights are
/// [outC, inC/groups, kH, kW]). Float32 data that is contiguous and aligned in a
/// memory-mapped checkpoint is not copied: the tensor then points into the map
/// and keeps it alive. Use `withUnsafeBufferPointer` to read without copying;
/// `values` returns an array (a copy for mapped tensors).
public struct WeightTensor: Sendable {
    public let shape: [Int]
    private let storage: Storage

    private enum Storage: Sendable {
        case array([Float])
        /// `count` floats at `byteOffset` inside a read-only mapping owned by `owner`.
        case mapped(owner: MappedBytes, byteOffset: Int, count: Int)
    }

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "WeightTensor: shape \(shape) for \(values.count) values")
        self.shape = shape
        self.storage = .array(values)
    }

    /// A tensor viewing `count` float32 values at `byteOffset` of `owner` (4-byte aligned; checked by the reader).
    init(shape: [Int], mapped owner: MappedBytes, byteOffset: Int, count: Int) {
        precondition(shape.reduce(1, *) == count && byteOffset >= 0 && byteOffset + count * 4 <= owner.count
                     && (Int(bitPattern: owner.baseAddress) + byteOffset) % MemoryLayout<Float>.alignment == 0)
        self.shape = shape
        self.storage = .mapped(owner: owner, byteOffset: byteOffset, count: count)
    }

    /// Number of elements (the product of `shape`; 1 for a scalar).
    public var count: Int {
        switch storage {
        case .array(let values): return values.count
        case .mapped(_, _, let count): return count
        }
    }

    /// The values in row-major order (copied out of the map for memory-mapped tensors).
    public var values: [Float] {
        switch storage {
        case .array(let values): return values
        case .mapped: return withUnsafeBufferPointer { Array($0) }
        }
    }

    /// True when the values live in a memory-mapped checkpoint (zero copy).
    public var isMemoryMapped: Bool {
        if case .mapped = storage { return true }
        return false
    }

    /// Reads the values without copying them.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        switch storage {
        case .array(let values):
            return try values.withUnsafeBufferPointer(body)
        case .mapped(let owner, let byteOffset, let count):
            let start = (owner.baseAddress + byteOffset).assumingMemoryBound(to: Float.self)
            return try withExtendedLifetime(owner) { try body(UnsafeBufferPointer(start: start, count: count)) }
        }
    }
}

/// A checkpoint's tensors by their PyTorch key (`features.0.weight`, `_conv_stem.weight`, ...).
public typealias StateDict = [String: WeightTensor]
