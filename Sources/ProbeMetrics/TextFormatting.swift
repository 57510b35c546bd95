import Foundation

/// Text helpers that reproduce Python's `str.format` where the report needs it.
enum TextFormatting {
    /// Python's `len(str)`: the number of Unicode code points (not grapheme clusters, not bytes).
    static func pythonLength(_ s: String) -> Int { s.unicodeScalars.count }

    /// Python's `"{:>{width}s}"`: pads on the left with spaces to `width` code points; never truncates.
    static func rightAligned(_ s: String, _ width: Int) -> String {
        let pad = width - pythonLength(s)
        return pad > 0 ? String(repeating: " ", count: pad) + s : s
    }

    /// Python's `"{:<{width}s}"`.
    static func leftAligned(_ s: String, _ width: Int) -> String {
        let pad = width - pythonLength(s)
        return pad > 0 ? s + String(repeating: " ", count: pad) : s
    }

    /// Python's `"{:.{digits}f}"`: fixed notation, correctly rounded from the exact binary value
    /// (C's printf does the same, ties to even), so 0.125 prints as "0.12" in both.
    static func fixed(_ value: Double, digits: Int) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        var buffer = [CChar](repeating: 0, count: 400)
        let written = withVaList([Int32(digits), value]) { args in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, "%.*f", args) }
        }
        precondition(written >= 0 && Int(written) < buffer.count, "fixed-point formatting overflow")
        return String(cString: buffer)
    }
}
