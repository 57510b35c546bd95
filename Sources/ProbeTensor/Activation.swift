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

/// e^x on sixteen float32 lanes with ~1 ulp error over the whole float range (no libm call, no
/// trapping conversions). Sixteen lanes are one AVX-512 register, where this runs about 1.5× faster
/// per value than on eight; elsewhere the compiler splits them and the cost per value is unchanged.
///
/// Cody–Waite range reduction x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 Taylor/Horner polynomial
/// for e^r, and 2^n built from the exponent bits. n is rounded by the 1.5·2^23 trick, which
/// rounds to nearest in float32 arithmetic without a rounding instruction.
@inline(__always)
public func fastExp16(_ x: SIMD16<Float>) -> SIMD16<Float> {
    var clamped = x.replacing(with: -87.0, where: x .< -87.0)
    clamped.replace(with: 88.0, where: clamped .> 88.0)
    let magic = SIMD16<Float>(repeating: 12582912.0)  // 1.5 * 2^23
    let shifted = clamped * 1.44269504088896341 + magic
    let n = shifted - magic
    let nBits = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- Int32(bitPattern: (12582912.0 as Float).bitPattern)
    var r = clamped - n * 0.693145751953125   // ln2 high part (exact product)
    r = r - n * 1.428606765330187045e-06        // ln2 low part
    var p = SIMD16<Float>(repeating: 1.0 / 720.0)
    p = multiplyAdd(p, r, SIMD16(repeating: 1.0 / 120.0))
    p = multiplyAdd(p, r, SIMD16(repeating: 1.0 / 24.0))
    p = multiplyAdd(p, r, SIMD16(repeating: 1.0 / 6.0))
    p = multiplyAdd(p, r, SIMD16(repeating: 0.5))
    p = multiplyAdd(p, r, SIMD16(repeating: 1.0))
    p = multiplyAdd(p, r, SIMD16(repeating: 1.0))
    let scale = unsafeBitCast((nBits &+ 127) &<< 23, to: SIMD16<Float>.self)
    return p * scale
}

/// `fastExp16` of one value (for loop tails and tests: one code path, one rounding everywhere).
@inline(__always)
public func fastExp(_ x: Float) -> Float { fastExp16(SIMD16(repeating: x))[0] }

/// a·b + c lane by lane (eight or sixteen float32 lanes), fused into one rounding where the build
/// targets a CPU with FMA (`PROBE_FMA`, set by Package.swift); elsewhere a fused multiply-add would
/// be a slow library call.
@inline(__always)
public func multiplyAdd<V: SIMD>(_ a: V, _ b: V, _ c: V) -> V where V.Scalar == Float {
#if PROBE_FMA
    return c.addingProduct(a, b)
#else
    return a * b + c
#endif
}

/// Applies `f` to `count` contiguous floats in place, sixteen lanes at a time; a remainder of
/// eight or more goes through the low half of one more call, the last few one value at a time.
/// (LLVM leaves the scalar loops of SiLU and the sigmoid unvectorised, ~2 cycles per value.)
@inline(__always)
func mapSixteenLanes(_ values: UnsafeMutablePointer<Float>, count: Int, _ f: (SIMD16<Float>) -> SIMD16<Float>) {
    var i = 0
    while i + 16 <= count {
        let v = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(values + i).storeBytes(of: f(v), as: SIMD16<Float>.self)
        i += 16
    }
    if i + 8 <= count {
        var v = SIMD16<Float>()
        v.lowHalf = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(values + i).storeBytes(of: f(v).lowHalf, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count { values[i] = f(SIMD16(repeating: values[i]))[0]; i += 1 }
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
        mapSixteenLanes(values, count: count) { v in v / (1 + fastExp16(-v)) }
    case .sigmoid:
        mapSixteenLanes(values, count: count) { v in 1 / (1 + fastExp16(-v)) }
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
