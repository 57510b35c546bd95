/// SplitMix64 (Steele, Lea & Flood 2014): a portable generator, so the random shapes and values of
/// the kernel tests repeat on every machine.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    mutating func uniform() -> Float { Float(next() >> 40) * 0x1p-23 - 1 }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func floats(_ n: Int) -> [Float] { (0..<n).map { _ in uniform() } }
}

/// max |a - reference| / max |reference|: the error measure of every kernel comparison here.
func maxRelativeError(_ a: [Float], _ reference: [Float]) -> Float {
    precondition(a.count == reference.count)
    let scale = reference.map(abs).max() ?? 0
    return zip(a, reference).map { abs($0 - $1) }.max()! / Swift.max(scale, 1e-30)
}
