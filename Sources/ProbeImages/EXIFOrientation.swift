import Foundation

/// EXIF orientation (TIFF tag 0x0112): how the stored pixels must be turned to display upright.
/// Values 1...8 as in the EXIF standard; Pillow's `ImageOps.exif_transpose` applies the same mapping.
public enum EXIFOrientation {
    /// The orientation stored in a JPEG's APP1 Exif segment, or nil when there is none (or it is malformed).
    /// Reads only the markers before the first scan, with every offset bounds-checked.
    public static func read(jpeg data: Data) -> Int? {
        let bytes = [UInt8](data.prefix(1 << 20))  // Exif must sit before the image data, in the first 64 KB segments
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var position = 2
        while position + 4 <= bytes.count {
            guard bytes[position] == 0xFF else { return nil }
            let marker = bytes[position + 1]
            if marker == 0xFF { position += 1; continue }  // fill byte
            if marker == 0xDA || marker == 0xD9 { return nil }  // start of scan / end of image
            if (0xD0...0xD7).contains(marker) || marker == 0x01 { position += 2; continue }  // no length
            let length = Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
            guard length >= 2, position + 2 + length <= bytes.count else { return nil }
            let segment = position + 4
            if marker == 0xE1, length >= 8, Array(bytes[segment..<segment + 6]) == Array("Exif\0\0".utf8) {
                return orientation(tiff: bytes[(segment + 6)..<(position + 2 + length)])
            }
            position += 2 + length
        }
        return nil
    }

    /// Parses IFD0 of a TIFF structure (Exif payload) for tag 0x0112.
    static func orientation(tiff: ArraySlice<UInt8>) -> Int? {
        let t = Array(tiff)
        guard t.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (t[0], t[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        func u16(_ i: Int) -> Int? {
            guard i >= 0, i + 2 <= t.count else { return nil }
            return littleEndian ? Int(t[i]) | Int(t[i + 1]) << 8 : Int(t[i]) << 8 | Int(t[i + 1])
        }
        func u32(_ i: Int) -> Int? {
            guard let a = u16(i), let b = u16(i + 2) else { return nil }
            return littleEndian ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for entry in 0..<count {
            let e = ifd + 2 + entry * 12
            guard let tag = u16(e) else { return nil }
            if tag == 0x0112 {
                guard let type = u16(e + 2), type == 3, let value = u16(e + 8), (1...8).contains(value) else { return nil }
                return value
            }
        }
        return nil
    }

    /// Returns `image` turned upright for `orientation` (1 = as stored). Orientations 5...8 swap width and height.
    public static func apply(_ orientation: Int, to image: RGBImage) -> RGBImage {
        guard (2...8).contains(orientation) else { return image }
        let w = image.width, h = image.height
        let swaps = orientation >= 5
        let outW = swaps ? h : w, outH = swaps ? w : h
        // For output pixel (ox, oy), the stored pixel it shows.
        let source: (Int, Int) -> (Int, Int)
        switch orientation {
        case 2: source = { ox, oy in (w - 1 - ox, oy) }              // mirror left-right
        case 3: source = { ox, oy in (w - 1 - ox, h - 1 - oy) }      // rotate 180
        case 4: source = { ox, oy in (ox, h - 1 - oy) }              // mirror top-bottom
        case 5: source = { ox, oy in (oy, ox) }                      // transpose
        case 6: source = { ox, oy in (oy, h - 1 - ox) }              // rotate 90 clockwise
        case 7: source = { ox, oy in (w - 1 - oy, h - 1 - ox) }      // transverse
        default: source = { ox, oy in (w - 1 - oy, ox) }             // 8: rotate 90 counter-clockwise
        }
        var out = [UInt8](repeating: 0, count: outW * outH * 3)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        let (sx, sy) = source(ox, oy)
                        let s = (sy * w + sx) * 3, d = (oy * outW + ox) * 3
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: outW, height: outH, pixels: out,
                        sourceWidth: swaps ? image.sourceHeight : image.sourceWidth,
                        sourceHeight: swaps ? image.sourceWidth : image.sourceHeight,
                        decodeScale: image.decodeScale)
    }
}
