import ProbeCore

/// Test conveniences on ProbeCore's SplitMix64, whose outputs the reference scripts reproduce.
extension SplitMix64 {
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
