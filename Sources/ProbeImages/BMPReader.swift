import Foundation

/// Windows/OS2 bitmaps, read by hand (the format is a header and rows of samples; no library is
/// needed). Covers what Pillow opens and Keras's loader accepts: 1/4/8-bit palettes, 16-bit (5-5-5
/// and 5-6-5 bit fields), 24-bit, 32-bit (alpha or padding dropped), bottom-up and top-down rows,
/// RLE8 and RLE4. Output matches Pillow's `convert("RGB")`. Every bound is checked before it is read.
enum BMPReader {
    static func decode(_ data: Data, name: String, options: DecodeOptions) throws -> RGBImage {
        try data.withUnsafeBytes { raw -> RGBImage in
            try decode(raw.bindMemory(to: UInt8.self), name: name, options: options)
        }
    }

    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, name: String, options: DecodeOptions) throws -> RGBImage {
        func failure(_ reason: String) -> ImageError { ImageError(file: name, reason: "cannot decode BMP: \(reason)") }
        func u16(_ at: Int) throws -> Int {
            guard at >= 0, at + 2 <= bytes.count else { throw failure("truncated BMP (header cut short)") }
            return Int(bytes[at]) | Int(bytes[at + 1]) << 8
        }
        func u32(_ at: Int) throws -> UInt32 {
            guard at >= 0, at + 4 <= bytes.count else { throw failure("truncated BMP (header cut short)") }
            return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        guard bytes.count >= 2, bytes[0] == 0x42, bytes[1] == 0x4D else { throw failure("not a BMP file (bad signature)") }
        let pixelOffset = Int(try u32(10))
        let headerSize = Int(try u32(14))
        var width: Int, height: Int, bits: Int, compression = 0, colorsUsed = 0
        var masks: [UInt32] = []
        let paletteEntrySize: Int
        switch headerSize {
        case 12:  // OS/2 1.x core header: 16-bit sizes, 3-byte palette entries
            width = try u16(18)
            height = try u16(20)
            bits = try u16(24)
            paletteEntrySize = 3
        case 40, 52, 56, 64, 108, 124:
            width = Int(Int32(bitPattern: try u32(18)))
            height = Int(Int32(bitPattern: try u32(22)))
            bits = try u16(28)
            compression = Int(try u32(30))
            colorsUsed = Int(try u32(46))
            paletteEntrySize = 4
            if compression == 3 || compression == 6 {
                // Bit fields: inside the V2+ headers, or 3 (4 for alpha bit fields) masks after a 40-byte one.
                let count = compression == 6 ? 4 : 3
                for i in 0..<count { masks.append(try u32(54 + 4 * i)) }
            }
        default:
            throw failure("unsupported BMP header size \(headerSize)")
        }
        let topDown = height < 0
        height = abs(height)
        try ImageDecoder.checkPixelLimit(width: width, height: height, name: name, options: options)

        // The colour table sits after the headers (and the masks of a 40-byte header).
        var palette: [(UInt8, UInt8, UInt8)] = []
        if bits <= 8 {
            guard [1, 4, 8].contains(bits) else { throw failure("unsupported BMP bit depth \(bits)") }
            let maximum = 1 << bits
            let count = colorsUsed > 0 && colorsUsed <= maximum ? colorsUsed : maximum
            let start = 14 + headerSize
            palette = (0..<256).map { (UInt8($0), UInt8($0), UInt8($0)) }  // indices past the table: gray, as Pillow's fresh palette
            for i in 0..<count {
                let at = start + i * paletteEntrySize
                guard at + 3 <= bytes.count else { throw failure("truncated BMP (colour table cut short)") }
                palette[i] = (bytes[at + 2], bytes[at + 1], bytes[at])
            }
        }
        guard pixelOffset > 0, pixelOffset < bytes.count else { throw failure("truncated BMP (no pixel data)") }

        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let rowOrder: (Int) -> Int = { topDown ? $0 : height - 1 - $0 }
        switch (compression, bits) {
        case (1, 8), (2, 4):
            guard !topDown else { throw failure("top-down BMP cannot be RLE-compressed") }
            try decodeRLE(bytes, from: pixelOffset, bits: bits, width: width, height: height, palette: palette, into: &pixels, failure: failure)
        case (0, _), (3, 16), (3, 32), (6, 16), (6, 32):
            let stride = (width * bits + 31) / 32 * 4
            guard pixelOffset + stride * (height - 1) + (width * bits + 7) / 8 <= bytes.count else {
                throw failure("truncated BMP (pixel data cut short)")
            }
            let fields = bitFields(bits: bits, compression: compression, masks: masks)
            guard bits <= 8 || fields != nil else { throw failure("unsupported BMP bit fields \(masks.map { String($0, radix: 16) })") }
            pixels.withUnsafeMutableBufferPointer { out in
                for row in 0..<height {
                    let src = pixelOffset + row * stride
                    var o = rowOrder(row) * width * 3
                    if bits == 24 || (bits == 32 && compression == 0) {
                        // The common layouts, BGR and BGRX, without the per-pixel dispatch below.
                        let step = bits / 8
                        for x in 0..<width {
                            let at = src + step * x
                            out[o] = bytes[at + 2]; out[o + 1] = bytes[at + 1]; out[o + 2] = bytes[at]
                            o += 3
                        }
                        continue
                    }
                    for x in 0..<width {
                        let rgb: (UInt8, UInt8, UInt8)
                        switch bits {
                        case 1: rgb = palette[Int(bytes[src + x >> 3] >> (7 - UInt8(x & 7))) & 1]
                        case 4: rgb = palette[Int(bytes[src + x >> 1] >> (x & 1 == 0 ? 4 : 0)) & 15]
                        case 8: rgb = palette[Int(bytes[src + x])]
                        case 24: rgb = (bytes[src + 3 * x + 2], bytes[src + 3 * x + 1], bytes[src + 3 * x])
                        case 16:
                            let v = UInt32(bytes[src + 2 * x]) | UInt32(bytes[src + 2 * x + 1]) << 8
                            rgb = fields!(v)
                        default:
                            let at = src + 4 * x
                            let v = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
                            rgb = fields!(v)
                        }
                        out[o] = rgb.0; out[o + 1] = rgb.1; out[o + 2] = rgb.2
                        o += 3
                    }
                }
            }
        default:
            throw failure("unsupported BMP compression \(compression) at \(bits) bits")
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Pixel value -> RGB for 16- and 32-bit pixels. Byte-aligned 8-bit masks are read as bytes;
    /// 5- and 6-bit fields are scaled as Pillow's unpackers do (v * 255 / 31, v * 255 / 63).
    private static func bitFields(bits: Int, compression: Int, masks: [UInt32]) -> ((UInt32) -> (UInt8, UInt8, UInt8))? {
        var rgbMasks = Array(masks.prefix(3))
        if compression == 0 {
            if bits == 16 { rgbMasks = [0x7C00, 0x03E0, 0x001F] }
            if bits == 32 || bits == 24 { rgbMasks = [0xFF0000, 0x00FF00, 0x0000FF] }
        }
        guard rgbMasks.count == 3 else { return nil }
        let supported: [[UInt32]] = bits == 16
            ? [[0x7C00, 0x03E0, 0x001F], [0xF800, 0x07E0, 0x001F]]
            : [[0xFF0000, 0x00FF00, 0x0000FF], [0x0000FF, 0x00FF00, 0xFF0000], [0xFF00_0000, 0x00FF_0000, 0x0000_FF00]]
        guard supported.contains(rgbMasks) else { return nil }
        let shifts = rgbMasks.map { UInt32($0.trailingZeroBitCount) }
        let maxima = zip(rgbMasks, shifts).map { $0 >> $1 }
        return { v in
            func channel(_ c: Int) -> UInt8 {
                let field = (v & rgbMasks[c]) >> shifts[c]
                return maxima[c] == 255 ? UInt8(field) : UInt8(field * 255 / maxima[c])
            }
            return (channel(0), channel(1), channel(2))
        }
    }

    /// Run-length encoded 8- and 4-bit bitmaps (always bottom-up). Pixels a run never reaches keep
    /// palette index 0, as Pillow leaves them.
    private static func decodeRLE(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, bits: Int, width: Int, height: Int,
                                  palette: [(UInt8, UInt8, UInt8)], into pixels: inout [UInt8],
                                  failure: (String) -> ImageError) throws {
        var indices = [UInt8](repeating: 0, count: width * height)
        var at = start, x = 0, y = 0  // y counts rows from the bottom
        func put(_ index: UInt8) {
            if x < width && y < height { indices[(height - 1 - y) * width + x] = index }
            x += 1
        }
        decoding: while y < height {
            guard at + 2 <= bytes.count else { throw failure("truncated BMP (RLE data cut short)") }
            let count = Int(bytes[at]), value = bytes[at + 1]
            at += 2
            if count > 0 {
                for i in 0..<count { put(bits == 8 ? value : (i & 1 == 0 ? value >> 4 : value & 15)) }
                continue
            }
            switch value {
            case 0: x = 0; y += 1                       // end of line
            case 1: break decoding                      // end of bitmap
            case 2:                                     // delta
                guard at + 2 <= bytes.count else { throw failure("truncated BMP (RLE data cut short)") }
                x += Int(bytes[at]); y += Int(bytes[at + 1]); at += 2
            default:                                    // absolute run of `value` pixels, padded to 2 bytes
                let n = Int(value)
                let size = bits == 8 ? n : (n + 1) / 2
                guard at + size <= bytes.count else { throw failure("truncated BMP (RLE data cut short)") }
                for i in 0..<n { put(bits == 8 ? bytes[at + i] : (i & 1 == 0 ? bytes[at + i / 2] >> 4 : bytes[at + i / 2] & 15)) }
                at += size + (size & 1)
            }
        }
        for (i, index) in indices.enumerated() {
            let rgb = palette[Int(index)]
            pixels[3 * i] = rgb.0; pixels[3 * i + 1] = rgb.1; pixels[3 * i + 2] = rgb.2
        }
    }
}
