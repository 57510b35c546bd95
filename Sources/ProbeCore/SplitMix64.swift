/// SplitMix64 (Steele, Lea & Flood 2014): a 64-bit state advanced by the golden-ratio increment and
/// finalised by two xor-shift-multiply rounds. Its output depends on nothing but the seed, so seeded
/// splits, shuffles and test data repeat bit for bit on every machine and Swift version.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in 0..<bound by rejection (no modulo bias), independent of the standard library.
    public mutating func uniform(below bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        let limit = UInt64.max - (UInt64.max % b)  // largest multiple of b, exclusive
        while true {
            let r = next()
            if r < limit { return Int(r % b) }
        }
    }

    /// Fisher–Yates shuffle, walking from the end, drawing with `uniform(below:)`.
    public mutating func shuffle<T>(_ a: inout [T]) {
        var i = a.count - 1
        while i > 0 {
            a.swapAt(i, uniform(below: i + 1))
            i -= 1
        }
    }
}
