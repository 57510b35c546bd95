import Foundation

/// Netpbm pictures, read by hand: PBM (P4, plain P1), PGM (P5, plain P2) and PPM (P6, plain P3), 8- or
/// 16-bit samples with any maximum value. Output matches
/// Pillow's `convert("RGB")`: samples are rescaled to 0...255 as Pillow's PPM decoder rescales them,
/// except 16-bit gray, which Pillow opens as 32-bit integers and clips at 255.
enum PNMReader {
    static func decode(_ data: Data, name: String, options: DecodeOptions) throws -> RGBImage {
        try data.withUnsafeBytes { raw -> RGBImage in
            try decode(raw.bindMemory(to: UInt8.self), name: name, options: options)
        }
    }

    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, name: String, options: DecodeOptions) throws -> RGBImage {
        func failure(_ reason: String) -> ImageError { ImageError(file: name, reason: "cannot decode PNM: \(reason)") }
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P") else { throw failure("not a PNM file (bad signature)") }
        let stored = bytes[1]
        guard (UInt8(ascii: "1")...UInt8(ascii: "6")).contains(stored) else { throw failure("not a PNM file (bad signature)") }
        let plain = stored <= UInt8(ascii: "3")
        let kind = plain ? stored + 3 : stored  // the binary variant with the same meaning
        var at = 2
        /// The next decimal number of the header, skipping whitespace and # comments.
        func number() throws -> Int {
            while at < bytes.count {
                if bytes[at] == UInt8(ascii: "#") {
                    while at < bytes.count && bytes[at] != 0x0A && bytes[at] != 0x0D { at += 1 }
                } else if [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C].contains(bytes[at]) {
                    at += 1
                } else {
                    break
                }
            }
            guard at < bytes.count else { throw failure("truncated PNM (header cut short)") }
            var value = 0, digits = 0
            while at < bytes.count, (0x30...0x39).contains(bytes[at]) {
                value = value * 10 + Int(bytes[at] - 0x30)
                digits += 1
                at += 1
                guard digits <= 9 else { throw failure("number too large in header") }
            }
            guard digits > 0 else { throw failure("bad PNM header (expected a number)") }
            return value
        }
        let width = try number(), height = try number()
        let maximum = kind == UInt8(ascii: "4") ? 1 : try number()
        guard (1...65535).contains(maximum) else { throw failure("bad maximum value \(maximum) (expected 1...65535)") }
        if !plain {
            guard at < bytes.count else { throw failure("truncated PNM (no pixel data)") }
            at += 1  // the single whitespace byte after the header
        }
        try ImageDecoder.checkPixelLimit(width: width, height: height, name: name, options: options)

        let channels = kind == UInt8(ascii: "6") ? 3 : 1
        let sampleBytes = maximum > 255 ? 2 : 1
        let rowBytes = kind == UInt8(ascii: "4") ? (width + 7) / 8 : width * channels * sampleBytes
        guard plain || bytes.count - at >= rowBytes * height else { throw failure("truncated PNM (pixel data cut short)") }

        // Sample -> 8 bits, as Pillow: a maximum of 255 is raw; P5 with 65535 is raw 16-bit, clipped
        // at 255 by I -> RGB; otherwise samples are clamped to the maximum and rescaled, rounding half
        // to even (as Pillow's decoder rounds), to 255 (or to 65535 and then clipped, for 16-bit P5).
        let gray16 = kind == UInt8(ascii: "5") && maximum > 255
        func rescale(_ v: Int, to top: Int) -> Int {
            let q = v * top / maximum, twice = 2 * (v * top % maximum)
            return twice > maximum || (twice == maximum && q & 1 == 1) ? q + 1 : q
        }
        func scale(_ v: Int) -> UInt8 {
            let v = min(v, maximum)
            if gray16 { return UInt8(min(maximum == 65535 ? v : rescale(v, to: 65535), 255)) }
            return maximum == 255 ? UInt8(v) : UInt8(rescale(v, to: 255))
        }
        // Plain files: every sample takes at least one character, so a short file is refused before the
        // pixels are allocated.
        guard !plain || bytes.count - at >= width * height * channels else { throw failure("truncated PNM (pixel data cut short)") }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        if plain {
            // Decimal samples separated by whitespace (P1: single digits, which need none). A sample
            // over the maximum is an error, as in Pillow.
            for i in 0..<width * height * channels {
                let v: Int
                if kind == UInt8(ascii: "4") {
                    while at < bytes.count, bytes[at] != UInt8(ascii: "0"), bytes[at] != UInt8(ascii: "1") {
                        guard [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, UInt8(ascii: "#")].contains(bytes[at]) else {
                            throw failure("bad character in plain PBM data")
                        }
                        if bytes[at] == UInt8(ascii: "#") {
                            while at < bytes.count && bytes[at] != 0x0A && bytes[at] != 0x0D { at += 1 }
                        } else {
                            at += 1
                        }
                    }
                    guard at < bytes.count else { throw failure("truncated PNM (pixel data cut short)") }
                    v = bytes[at] == UInt8(ascii: "1") ? 0 : 255  // 1 is black
                    at += 1
                } else {
                    guard let sample = try? number() else { throw failure("truncated or bad plain PNM data (sample \(i))") }
                    guard sample <= maximum else { throw failure("sample value \(sample) over the maximum \(maximum)") }
                    v = Int(scale(sample))
                }
                if channels == 3 {
                    pixels[i] = UInt8(v)
                } else {
                    pixels[3 * i] = UInt8(v); pixels[3 * i + 1] = UInt8(v); pixels[3 * i + 2] = UInt8(v)
                }
            }
            return RGBImage(width: width, height: height, pixels: pixels)
        }
        // The common cases are copies: 8-bit RGB with a maximum of 255 is already packed RGB.
        if kind == UInt8(ascii: "6"), maximum == 255 {
            pixels.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[at..<at + rowBytes * height]))) }
            return RGBImage(width: width, height: height, pixels: pixels)
        }
        if kind == UInt8(ascii: "5"), maximum == 255 {
            pixels.withUnsafeMutableBufferPointer { out in
                for i in 0..<width * height {
                    let v = bytes[at + i]
                    out[3 * i] = v; out[3 * i + 1] = v; out[3 * i + 2] = v
                }
            }
            return RGBImage(width: width, height: height, pixels: pixels)
        }
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                let row = at + y * rowBytes
                for x in 0..<width {
                    let o = (y * width + x) * 3
                    if kind == UInt8(ascii: "4") {
                        let bit = (bytes[row + x >> 3] >> (7 - UInt8(x & 7))) & 1
                        out[o] = bit == 1 ? 0 : 255  // 1 is black
                        out[o + 1] = out[o]; out[o + 2] = out[o]
                        continue
                    }
                    for c in 0..<3 {
                        let i = row + (x * channels + (channels == 3 ? c : 0)) * sampleBytes
                        let v = sampleBytes == 2 ? Int(bytes[i]) << 8 | Int(bytes[i + 1]) : Int(bytes[i])
                        out[o + c] = scale(v)
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
