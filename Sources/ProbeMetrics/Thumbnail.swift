import CImageCodecs
import Foundation

/// Small PNG thumbnails for the HTML report, made with the project's own JPEG/PNG decoders and PNG writer.
public enum Thumbnail {
    /// Largest decoded image accepted (pixels), so a hostile header cannot make us allocate gigabytes.
    public static let maxSourcePixels = 80_000_000

    /// Decodes JPEG or PNG `data` and returns a PNG whose longer side is at most `maxSide` pixels
    /// (never upscaled). Downscaling: libjpeg's DCT scaling to the smallest n/8 that keeps the longer
    /// side ≥ `maxSide`, then an area-average (box) filter over the covered source pixels.
    public static func png(fromImageData data: Data, maxSide: Int) throws -> Data {
        guard maxSide >= 1 else { throw MetricsError("thumbnail size must be at least 1 pixel") }
        let (width, height, rgb) = try decode(data, maxSide: maxSide)
        let scale = min(1.0, Double(maxSide) / Double(max(width, height)))
        let outWidth = max(1, Int((Double(width) * scale).rounded()))
        let outHeight = max(1, Int((Double(height) * scale).rounded()))
        let small = areaDownscale(rgb, width: width, height: height, toWidth: outWidth, toHeight: outHeight)
        return try encodePNG(small, width: outWidth, height: outHeight)
    }

    /// Packed RGB (3 bytes per pixel, row-major) → PNG bytes.
    public static func encodePNG(_ rgb: [UInt8], width: Int, height: Int) throws -> Data {
        guard rgb.count == width * height * 3 else { throw MetricsError("pixel buffer does not match \(width)×\(height) RGB") }
        var message = [CChar](repeating: 0, count: 256)
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = rgb.withUnsafeBufferPointer {
            probe_png_encode_rgb8($0.baseAddress, UInt32(width), UInt32(height), &output, &size, &message, message.count)
        }
        guard status == 0, let output else { throw MetricsError("cannot encode PNG (\(String(cString: message)))") }
        defer { probe_png_free(output) }
        return Data(bytes: output, count: size)
    }

    static func decode(_ data: Data, maxSide: Int) throws -> (Int, Int, [UInt8]) {
        let bytes = [UInt8](data)
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            return try bytes.withUnsafeBufferPointer { buffer -> (Int, Int, [UInt8]) in
                guard let decoder = probe_jpeg_create(buffer.baseAddress, buffer.count) else { throw MetricsError("out of memory") }
                defer { probe_jpeg_destroy(decoder) }
                var header = probe_jpeg_header()
                guard probe_jpeg_read_header(decoder, &header) == 0 else { throw MetricsError("JPEG: \(String(cString: probe_jpeg_message(decoder)))") }
                let longer = max(Int(header.width), Int(header.height))
                var numerator: Int32 = 8
                while numerator > 1 && longer * Int(numerator - 1) / 8 >= maxSide { numerator -= 1 }
                guard Int(header.width) * Int(header.height) * Int(numerator * numerator) / 64 <= maxSourcePixels else {
                    throw MetricsError("JPEG is \(header.width)×\(header.height), too large to thumbnail")
                }
                var w: Int32 = 0, h: Int32 = 0
                guard probe_jpeg_start(decoder, numerator, &w, &h) == 0 else { throw MetricsError("JPEG: \(String(cString: probe_jpeg_message(decoder)))") }
                var rgb = [UInt8](repeating: 0, count: Int(w) * Int(h) * 3)
                guard probe_jpeg_read_rgb(decoder, &rgb) == 0 else { throw MetricsError("JPEG: \(String(cString: probe_jpeg_message(decoder)))") }
                return (Int(w), Int(h), rgb)
            }
        }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return try bytes.withUnsafeBufferPointer { buffer -> (Int, Int, [UInt8]) in
                guard let decoder = probe_png_create(buffer.baseAddress, buffer.count) else { throw MetricsError("out of memory") }
                defer { probe_png_destroy(decoder) }
                var header = probe_png_header()
                guard probe_png_read_header(decoder, &header) == 0 else { throw MetricsError("PNG: \(String(cString: probe_png_message(decoder)))") }
                guard Int(header.width) * Int(header.height) <= maxSourcePixels else {
                    throw MetricsError("PNG is \(header.width)×\(header.height), too large to thumbnail")
                }
                var rgb = [UInt8](repeating: 0, count: Int(header.width) * Int(header.height) * 3)
                guard probe_png_read_rgb(decoder, &rgb) == 0 else { throw MetricsError("PNG: \(String(cString: probe_png_message(decoder)))") }
                return (Int(header.width), Int(header.height), rgb)
            }
        }
        throw MetricsError("not a JPEG or PNG")
    }

    /// Area-average downscale of packed RGB: each output pixel is the mean of the source pixels whose
    /// centres fall in its footprint (integer bounds, at least one pixel), rounded to nearest.
    static func areaDownscale(_ rgb: [UInt8], width: Int, height: Int, toWidth: Int, toHeight: Int) -> [UInt8] {
        if toWidth == width && toHeight == height { return rgb }
        var out = [UInt8](repeating: 0, count: toWidth * toHeight * 3)
        for oy in 0..<toHeight {
            let y0 = oy * height / toHeight, y1 = max(y0 + 1, (oy + 1) * height / toHeight)
            for ox in 0..<toWidth {
                let x0 = ox * width / toWidth, x1 = max(x0 + 1, (ox + 1) * width / toWidth)
                var sum = (0, 0, 0)
                for y in y0..<y1 {
                    var p = (y * width + x0) * 3
                    for _ in x0..<x1 {
                        sum.0 += Int(rgb[p]); sum.1 += Int(rgb[p + 1]); sum.2 += Int(rgb[p + 2])
                        p += 3
                    }
                }
                let n = (y1 - y0) * (x1 - x0)
                let q = (oy * toWidth + ox) * 3
                out[q] = UInt8((sum.0 + n / 2) / n); out[q + 1] = UInt8((sum.1 + n / 2) / n); out[q + 2] = UInt8((sum.2 + n / 2) / n)
            }
        }
        return out
    }
}
