import Foundation

/// Elementwise nonlinearities the engine fuses into convolution epilogues.
public enum Activation: Sendable, Equatable {
    case identity
    case relu
    /// min(max(x, 0), 6), MobileNetV2's and EfficientNet-Lite's.
    case relu6
    /// x · σ(x) (a.k.a. swish), EfficientNet-B0's.
    case silu
    /// σ(x) = 1 / (1 + e^-x), the squeeze-excitation gate.
    case sigmoid
}

/// e^x for float32 with ~1 ulp error over the whole float range, written so LLVM vectorises
/// loops that call it (no libm call, no trapping conversions).
///
/// Cody–Waite range reduction x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 Taylor/Horner polynomial
/// for e^r, and 2^n built from the exponent bits. n is rounded by the 1.5·2^23 trick, which
/// rounds to nearest in float32 arithmetic without a rounding instruction.
@inline(__always)
public func fastExp(_ x: Float) -> Float {
    let clamped = x < -87.0 ? -87.0 : (x > 88.0 ? 88.0 : x)
    let magic: Float = 12582912.0  // 1.5 * 2^23
    let shifted = clamped * 1.44269504088896341 + magic
    let n = shifted - magic
    let nBits = Int32(bitPattern: shifted.bitPattern) &- Int32(bitPattern: magic.bitPattern)
    var r = clamped - n * 0.693145751953125   // ln2 high part (exact product)
    r = r - n * 1.428606765330187045e-06        // ln2 low part
    var p: Float = 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    let scale = Float(bitPattern: UInt32(bitPattern: (nBits &+ 127) &<< 23))
    return p * scale
}

/// Applies `activation` in place to `count` contiguous floats.
@inline(__always)
public func applyActivation(_ activation: Activation, _ values: UnsafeMutablePointer<Float>, count: Int) {
    switch activation {
    case .identity:
        return
    case .relu:
        for i in 0..<count { let v = values[i]; values[i] = v < 0 ? 0 : v }
    case .relu6:
        for i in 0..<count { let v = values[i]; values[i] = v < 0 ? 0 : (v > 6 ? 6 : v) }
    case .silu:
        for i in 0..<count { let v = values[i]; values[i] = v / (1 + fastExp(-v)) }
    case .sigmoid:
        for i in 0..<count { values[i] = 1 / (1 + fastExp(-values[i])) }
    }
}

/// Reference activation with libm (for tests of `fastExp` and the fused epilogues).
public func referenceActivation(_ activation: Activation, _ x: Float) -> Float {
    switch activation {
    case .identity: return x
    case .relu: return Swift.max(x, 0)
    case .relu6: return Swift.min(Swift.max(x, 0), 6)
    case .silu: return Float(Double(x) / (1 + _exp(-Double(x))))
    case .sigmoid: return Float(1 / (1 + _exp(-Double(x))))
    }
}

@inline(__always) private func _exp(_ x: Double) -> Double { Foundation.exp(x) }
