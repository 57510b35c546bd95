/// A 64-bit perceptual hash of a picture's pixels (a "pHash"): two copies of one photo that went
/// through JPEG re-encoding, resizing, a brightness change or greyscale conversion hash within a
/// few bits of each other, while unrelated photos differ in about half of the 64 bits.
///
/// The value is a plain `UInt64`; this namespace holds what every user of the value needs (the
/// distance, the text form a store writes). `ProbeImages` computes it from a decoded picture
/// (`PerceptualHash.compute(_:)`), where the definition is written out.
public enum PerceptualHash {
    /// Number of bits in which `a` and `b` differ (0…64): the distance between two hashes.
    /// Copies of one photo under mild edits are usually ≤ 8 apart; unrelated photos ~32.
    @inlinable
    public static func hammingDistance(_ a: UInt64, _ b: UInt64) -> Int {
        (a ^ b).nonzeroBitCount
    }

    /// The hash as 16 lower-case hex digits, most significant first: the form a shard index
    /// stores (`"phash":"…"`) and `int(text, 16)` reads back in Python.
    public static func hex(_ hash: UInt64) -> String {
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Parses exactly 16 hex digits (either case); nil otherwise.
    ///
    /// Digit by digit rather than through `UInt64(_:radix:)`: a store's index holds one hash per
    /// row, and the generic parser took half of the time of opening a 200-row store.
    public static func parse(hex text: some StringProtocol) -> UInt64? {
        guard text.utf8.count == 16 else { return nil }
        var value: UInt64 = 0
        for byte in text.utf8 {
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }
}
