/// An 8-bit RGB picture: `pixels` holds `height` rows of `width * 3` bytes (R, G, B interleaved, row-major).
public struct RGBImage: Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]
    /// Size of the picture in the file (after EXIF orientation when applied). Equal to `width`/`height`
    /// unless the JPEG was decoded with DCT-domain downscaling (`DecodeOptions.fastDecode`).
    public let sourceWidth: Int
    public let sourceHeight: Int
    /// The DCT-domain scale the decoder used (n/8, 1 for a full decode). The picture content spans
    /// `sourceWidth * decodeScale` by `sourceHeight * decodeScale` pixels of this image (libjpeg rounds
    /// the stored size up), which is what the resize maps onto the output.
    public let decodeScale: Double

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3, "RGBImage: pixels must hold width * height * 3 bytes")
        self.init(width: width, height: height, pixels: pixels, sourceWidth: width, sourceHeight: height, decodeScale: 1)
    }

    init(width: Int, height: Int, pixels: [UInt8], sourceWidth: Int, sourceHeight: Int, decodeScale: Double) {
        self.width = width
        self.height = height
        self.pixels = pixels
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
        self.decodeScale = decodeScale
    }

    /// The R, G, B values of one pixel.
    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }
}
