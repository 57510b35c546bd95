/// SplitMix64 (Steele, Lea & Flood 2014): a portable generator, so every test's random cases and
/// deterministic weights repeat bit for bit on every machine (the reference scripts use the same one).
public struct SplitMix64 {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// float32(z >> 40)·2⁻²³ − 1: uniform in [-1, 1), exactly as reference/*.py compute it.
    public mutating func uniform() -> Float { Float(next() >> 40) * 0x1p-23 - 1 }
    public mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    public mutating func floats(_ n: Int) -> [Float] { (0..<n).map { _ in uniform() } }
}

/// max |a − reference| / max |reference|: the error measure of the kernel and parity comparisons.
public func maxRelativeError(_ a: [Float], _ reference: [Float]) -> Float {
    precondition(a.count == reference.count)
    let scale = reference.map(abs).max() ?? 0
    return zip(a, reference).map { abs($0 - $1) }.max()! / Swift.max(scale, 1e-30)
}
