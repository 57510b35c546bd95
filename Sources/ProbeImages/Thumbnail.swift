import CImageCodecs
import Foundation

/// Small PNG previews (the HTML report's thumbnails) and PNG encoding, through the same decoders
/// and pixel limit as extraction.
public enum Thumbnail {
    /// Decodes JPEG or PNG `data` and returns a PNG whose longer side is at most `maxSide` pixels
    /// (never upscaled). Downscaling: libjpeg's DCT scaling while decoding (keeping both sides at
    /// least `maxSide`), then an area-average (box) filter over the covered source pixels.
    public static func png(fromImageData data: Data, maxSide: Int, name: String = "image") throws -> Data {
        guard maxSide >= 1 else { throw ImageError(file: name, reason: "thumbnail size must be at least 1 pixel") }
        let image = try ImageDecoder.decode(data: data, name: name, options: DecodeOptions(fastDecode: true, minimumShorterSide: maxSide))
        let scale = min(1.0, Double(maxSide) / Double(max(image.width, image.height)))
        let outWidth = max(1, Int((Double(image.width) * scale).rounded()))
        let outHeight = max(1, Int((Double(image.height) * scale).rounded()))
        let small = areaDownscale(image.pixels, width: image.width, height: image.height, toWidth: outWidth, toHeight: outHeight)
        return try encodePNG(small, width: outWidth, height: outHeight)
    }

    /// Packed RGB (3 bytes per pixel, row-major) → PNG bytes.
    public static func encodePNG(_ rgb: [UInt8], width: Int, height: Int) throws -> Data {
        guard width > 0, height > 0, rgb.count == width * height * 3 else {
            throw ImageError(file: "PNG", reason: "pixel buffer does not match \(width)×\(height) RGB")
        }
        var message = [CChar](repeating: 0, count: 256)
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = rgb.withUnsafeBufferPointer {
            probe_png_encode_rgb8($0.baseAddress, UInt32(width), UInt32(height), &output, &size, &message, message.count)
        }
        guard status == 0, let output else { throw ImageError(file: "PNG", reason: "cannot encode (\(String(cString: message)))") }
        defer { probe_png_free(output) }
        return Data(bytes: output, count: size)
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
