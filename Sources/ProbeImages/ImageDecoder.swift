import CImageCodecs
import Foundation

/// Whose decoder a picture's pixels must match.
public enum DecoderFlavor: String, Codable, CaseIterable, Sendable {
    /// Pillow's `Image.open(f).convert("RGB")`: JPEG with libjpeg's accurate integer IDCT (JDCT_ISLOW).
    case pillow
    /// TensorFlow's `tf.image.decode_image(bytes, channels=3)`: JPEG with libjpeg's fast integer IDCT
    /// (JDCT_IFAST, TensorFlow's default), fancy chroma upsampling as both use; other formats as Pillow.
    case tensorflow
}

/// How to decode one picture.
public struct DecodeOptions: Sendable, Hashable {
    /// Whose pixels to reproduce (JPEG IDCT method).
    public var flavor: DecoderFlavor = .pillow
    /// Pictures with more pixels than this (width * height in the file header) are refused before any
    /// pixel buffer is allocated: a small file can claim a huge size (a decompression bomb).
    public var pixelLimit: Int = 100_000_000
    /// Turn the picture upright by its EXIF orientation tag (JPEG only). Off by default, like
    /// torchvision's and Keras's loaders, so results match theirs.
    public var applyEXIFOrientation = false
    /// Let libjpeg downscale large JPEGs in the DCT domain (by n/8) while decoding, keeping the shorter
    /// side at least `minimumShorterSide`. Faster on big photos; not bit-identical to Pillow.
    public var fastDecode = false
    /// The smallest shorter side the resize needs (see `PreprocessRecipe.minimumDecodedShorterSide`);
    /// only used with `fastDecode`.
    public var minimumShorterSide = 256

    public init(pixelLimit: Int = 100_000_000, applyEXIFOrientation: Bool = false,
                fastDecode: Bool = false, minimumShorterSide: Int = 256, flavor: DecoderFlavor = .pillow) {
        self.flavor = flavor
        self.pixelLimit = pixelLimit
        self.applyEXIFOrientation = applyEXIFOrientation
        self.fastDecode = fastDecode
        self.minimumShorterSide = minimumShorterSide
    }
}

/// Decodes JPEG (libjpeg-turbo), PNG (libpng), GIF (giflib, first frame), WebP (libwebp), TIFF
/// (libtiff, first page), BMP and PPM/PGM/PBM (our own readers) into 8-bit RGB, choosing the decoder
/// from the file's bytes. Matches Pillow's `Image.open(path).convert("RGB")`: gray is replicated,
/// CMYK/YCCK JPEGs are read with Adobe polarity, alpha is dropped (not composited), palettes are
/// expanded, 16-bit PNG and TIFF RGB samples keep their high byte (16-bit gray is clipped at 255, as
/// Pillow's I;16 -> L does), CMYK TIFFs use Pillow's CMYK -> RGB formula.
/// Every failure is an `ImageError` naming the file; nothing here prints, traps or leaks.
public enum ImageDecoder {
    public static func decode(contentsOf url: URL, options: DecodeOptions = .init(), displayName: String? = nil) throws -> RGBImage {
        let name = displayName ?? url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            let reason = FileManager.default.fileExists(atPath: url.path) ? "cannot read file" : "file not found"
            throw ImageError(file: name, reason: reason)
        }
        return try decode(data: data, name: name, options: options)
    }

    public static func decode(data: Data, name: String, options: DecodeOptions = .init()) throws -> RGBImage {
        guard !data.isEmpty else { throw ImageError(file: name, reason: "empty file (0 bytes)") }
        guard let format = ImageFormat.detect(data) else {
            throw ImageError(file: name, reason: "not an image (unrecognised file signature)")
        }
        switch format {
        case .jpeg:
            var image = try decodeJPEG(data, name: name, options: options)
            if options.applyEXIFOrientation, let orientation = EXIFOrientation.read(jpeg: data), orientation != 1 {
                image = EXIFOrientation.apply(orientation, to: image)
            }
            return image
        case .png:
            return try decodePNG(data, name: name, options: options)
        case .gif:
            return try decodeGIF(data, name: name, options: options)
        case .webp:
            return try decodeWebP(data, name: name, options: options)
        case .tiff:
            return try decodeTIFF(data, name: name, options: options)
        case .bmp:
            return try BMPReader.decode(data, name: name, options: options)
        case .pnm:
            return try PNMReader.decode(data, name: name, options: options)
        case .heif, .avif:
            throw ImageError(file: name, reason: "unsupported format (\(format.rawValue.uppercased()); Probe decodes \(ImageFormat.decodableNames))")
        }
    }

    /// The DCT scale numerator n (of n/8) for a `width`x`height` JPEG: the smallest that keeps the
    /// shorter side's content at least `minimumShorterSide`, or 8 (full size) without `fastDecode`.
    public static func dctScaleNumerator(width: Int, height: Int, options: DecodeOptions) -> Int {
        guard options.fastDecode else { return 8 }
        let shorter = min(width, height)
        for n in 1..<8 where shorter * n >= options.minimumShorterSide * 8 { return n }
        return 8
    }

    static func checkPixelLimit(width: Int, height: Int, name: String, options: DecodeOptions) throws {
        guard width > 0, height > 0 else { throw ImageError(file: name, reason: "image has no pixels (\(width)x\(height))") }
        let pixels = width.multipliedReportingOverflow(by: height)
        if pixels.overflow || pixels.partialValue > options.pixelLimit {
            throw ImageError(file: name, reason: "image is \(width)x\(height) pixels, over the limit of \(options.pixelLimit) (possible decompression bomb)")
        }
    }

    /// Refuses a header that claims more pixels than the file's bytes could code, before the pixels
    /// are allocated: a few hundred bytes must not make the decoder allocate hundreds of megabytes.
    /// The bounds hold for every complete file. JPEG: each 8x8 block of a scan costs at least one bit
    /// (its DC code), so at most 512 pixels a byte; PNG: deflate expands at most 1032-fold and a
    /// 1-bit pixel is the smallest, so at most 8256. Twice those leaves room and still refuses bombs.
    static func checkFileCanHold(width: Int, height: Int, bytes: Int, pixelsPerByte: Int, format: String, name: String) throws {
        let (most, overflow) = bytes.multipliedReportingOverflow(by: pixelsPerByte)
        if !overflow, width * height > most {
            throw ImageError(file: name, reason: "\(format) header claims \(width)x\(height) pixels, more than its \(bytes) bytes can hold (truncated or forged)")
        }
    }

    private static func decodeJPEG(_ data: Data, name: String, options: DecodeOptions) throws -> RGBImage {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> RGBImage in
            let base = raw.bindMemory(to: UInt8.self).baseAddress!
            guard let decoder = probe_jpeg_create(base, raw.count) else {
                throw ImageError(file: name, reason: "out of memory")
            }
            defer { probe_jpeg_destroy(decoder) }
            func failure(_ prefix: String = "cannot decode JPEG") -> ImageError {
                ImageError(file: name, reason: "\(prefix): \(String(cString: probe_jpeg_message(decoder)))")
            }
            var header = probe_jpeg_header()
            guard probe_jpeg_read_header(decoder, &header) == 0 else { throw failure() }
            let width = Int(header.width), height = Int(header.height)
            try checkPixelLimit(width: width, height: height, name: name, options: options)
            try checkFileCanHold(width: width, height: height, bytes: raw.count, pixelsPerByte: 1024, format: "JPEG", name: name)
            let n = dctScaleNumerator(width: width, height: height, options: options)
            var outWidth: Int32 = 0, outHeight: Int32 = 0
            guard probe_jpeg_start(decoder, Int32(n), options.flavor == .tensorflow ? 1 : 0, &outWidth, &outHeight) == 0 else { throw failure() }
            let count = Int(outWidth) * Int(outHeight) * 3
            var status: Int32 = 0
            let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                status = probe_jpeg_read_rgb(decoder, buffer.baseAddress!)
                initialized = status == 0 ? count : 0
            }
            guard status == 0 else { throw failure() }
            return RGBImage(width: Int(outWidth), height: Int(outHeight), pixels: pixels,
                            sourceWidth: width, sourceHeight: height, decodeScale: Double(n) / 8)
        }
    }

    private static func decodePNG(_ data: Data, name: String, options: DecodeOptions) throws -> RGBImage {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> RGBImage in
            let base = raw.bindMemory(to: UInt8.self).baseAddress!
            guard let decoder = probe_png_create(base, raw.count) else {
                throw ImageError(file: name, reason: "out of memory")
            }
            defer { probe_png_destroy(decoder) }
            func failure() -> ImageError {
                ImageError(file: name, reason: "cannot decode PNG: \(String(cString: probe_png_message(decoder)))")
            }
            var header = probe_png_header()
            guard probe_png_read_header(decoder, &header) == 0 else { throw failure() }
            let width = Int(header.width), height = Int(header.height)
            try checkPixelLimit(width: width, height: height, name: name, options: options)
            try checkFileCanHold(width: width, height: height, bytes: raw.count, pixelsPerByte: 16_512, format: "PNG", name: name)
            let count = width * height * 3
            var status: Int32 = 0
            let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                status = probe_png_read_rgb(decoder, buffer.baseAddress!)
                initialized = status == 0 ? count : 0
            }
            guard status == 0 else { throw failure() }
            return RGBImage(width: width, height: height, pixels: pixels)
        }
    }

    /// Fills a buffer of `count` bytes through `body` (0 = success); the array is only kept when it succeeded.
    private static func filled(_ count: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int32) -> [UInt8]? {
        var status: Int32 = 0
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = body(buffer.baseAddress!)
            initialized = status == 0 ? count : 0
        }
        return status == 0 ? pixels : nil
    }

    private static func decodeGIF(_ data: Data, name: String, options: DecodeOptions) throws -> RGBImage {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> RGBImage in
            var status: Int32 = 0
            guard let decoder = probe_gif_open(raw.bindMemory(to: UInt8.self).baseAddress!, raw.count, &status) else {
                throw ImageError(file: name, reason: "out of memory")
            }
            defer { probe_gif_close(decoder) }
            func failure() -> ImageError {
                ImageError(file: name, reason: "cannot decode GIF: \(String(cString: probe_gif_message(decoder)))")
            }
            guard status == 0 else { throw failure() }
            var w: Int32 = 0, h: Int32 = 0
            probe_gif_size(decoder, &w, &h)
            let width = Int(w), height = Int(h)
            try checkPixelLimit(width: width, height: height, name: name, options: options)
            guard let pixels = filled(width * height * 3, { probe_gif_read_rgb(decoder, $0) }) else { throw failure() }
            return RGBImage(width: width, height: height, pixels: pixels)
        }
    }

    private static func decodeWebP(_ data: Data, name: String, options: DecodeOptions) throws -> RGBImage {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> RGBImage in
            let base = raw.bindMemory(to: UInt8.self).baseAddress!
            var message = [CChar](repeating: 0, count: 256)
            var header = probe_webp_header()
            func failure() -> ImageError {
                ImageError(file: name, reason: "cannot decode WebP: " + message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
            }
            guard probe_webp_read_header(base, raw.count, &header, &message, message.count) == 0 else { throw failure() }
            let width = Int(header.width), height = Int(header.height)
            try checkPixelLimit(width: width, height: height, name: name, options: options)
            guard let pixels = filled(width * height * 3, { probe_webp_read_rgb(base, raw.count, &header, $0, &message, message.count) }) else {
                throw failure()
            }
            return RGBImage(width: width, height: height, pixels: pixels)
        }
    }

    private static func decodeTIFF(_ data: Data, name: String, options: DecodeOptions) throws -> RGBImage {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> RGBImage in
            var status: Int32 = 0
            var header = probe_tiff_header()
            guard let decoder = probe_tiff_open(raw.bindMemory(to: UInt8.self).baseAddress!, raw.count, &header, &status) else {
                throw ImageError(file: name, reason: "out of memory")
            }
            defer { probe_tiff_close(decoder) }
            func failure() -> ImageError {
                ImageError(file: name, reason: "cannot decode TIFF: \(String(cString: probe_tiff_message(decoder)))")
            }
            guard status == 0 else { throw failure() }
            let width = Int(header.width), height = Int(header.height)
            try checkPixelLimit(width: width, height: height, name: name, options: options)
            guard let pixels = filled(width * height * 3, { probe_tiff_read_rgb(decoder, $0) }) else { throw failure() }
            return RGBImage(width: width, height: height, pixels: pixels)
        }
    }
}
