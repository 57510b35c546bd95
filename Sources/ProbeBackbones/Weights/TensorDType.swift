/// Element types a checkpoint may store. Everything is converted to float32 on load;
/// integer tensors (e.g. batch norm's `num_batches_tracked`) are kept as float values.
enum TensorDType: String, Sendable {
    case float32, float16, bfloat16, float64, int64, int32

    var byteSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .float16, .bfloat16: return 2
        case .float64, .int64: return 8
        }
    }

    /// The dtype of a legacy/zip storage class (`torch.FloatStorage`, ...), nil for any other name.
    init?(torchStorageClass name: String) {
        switch name {
        case "torch.FloatStorage": self = .float32
        case "torch.HalfStorage": self = .float16
        case "torch.BFloat16Storage": self = .bfloat16
        case "torch.LongStorage": self = .int64
        case "torch.IntStorage": self = .int32
        default: return nil
        }
    }

    /// The dtype of a safetensors header entry ("F32", ...).
    init?(safetensorsName name: String) {
        switch name {
        case "F32": self = .float32
        case "F16": self = .float16
        case "BF16": self = .bfloat16
        case "F64": self = .float64
        case "I64": self = .int64
        case "I32": self = .int32
        default: return nil
        }
    }

    /// Reads element `index` of a little-endian buffer of this dtype as float32.
    /// `base` need not be aligned.
    @inline(__always)
    func load(_ base: UnsafeRawPointer, _ index: Int) -> Float {
        switch self {
        case .float32:
            return Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
        case .float16:
            return halfToFloat(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)))
        case .bfloat16:
            // bfloat16 is the upper half of a float32.
            return Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))) << 16)
        case .float64:
            return Float(Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))))
        case .int64:
            return Float(Int64(littleEndian: base.loadUnaligned(fromByteOffset: index * 8, as: Int64.self)))
        case .int32:
            return Float(Int32(littleEndian: base.loadUnaligned(fromByteOffset: index * 4, as: Int32.self)))
        }
    }
}

/// IEEE 754 binary16 -> binary32, exact for every input (subnormals, infinities, NaN payloads).
@inline(__always)
func halfToFloat(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1F
    var mantissa = UInt32(bits & 0x3FF)
    if exponent == 0x1F {  // infinity or NaN
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    if exponent == 0 {
        if mantissa == 0 { return Float(bitPattern: sign) }
        // Subnormal half: normalise it, since every half subnormal is a float32 normal.
        var shift: UInt32 = 0
        while mantissa & 0x400 == 0 { mantissa <<= 1; shift += 1 }
        mantissa &= 0x3FF
        return Float(bitPattern: sign | ((127 - 15 + 1 - shift) << 23) | (mantissa << 13))
    }
    return Float(bitPattern: sign | ((exponent + 127 - 15) << 23) | (mantissa << 13))
}
