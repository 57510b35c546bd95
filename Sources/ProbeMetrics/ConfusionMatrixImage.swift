import Foundation
import ProbeImages

/// The confusion matrix drawn as a heatmap: one square cell per (true, predicted) pair, shaded by the
/// fraction of the true class's samples that landed there (row-normalised, so rare classes are as
/// readable as common ones), with the count written in the cell in a built-in 5×7 digit font.
/// Class indices label the axes (rows = true class, top to bottom; columns = predicted, left to right).
public struct ConfusionMatrixImage: Sendable {
    /// Width and height in pixels.
    public let width: Int
    public let height: Int
    /// `height × width × 3` bytes, RGB, row-major.
    public let rgb: [UInt8]

    /// Pixel size of one cell and of the margin holding the axis labels.
    public static let cellSize = 44
    public static let margin = 28

    /// Colour for a row fraction in 0…1: white at 0 to dark blue at 1, linear in RGB.
    public static func cellColor(fraction: Double) -> (UInt8, UInt8, UInt8) {
        let t = min(max(fraction.isFinite ? fraction : 0, 0), 1)
        func mix(_ a: Double, _ b: Double) -> UInt8 { UInt8((a + (b - a) * t).rounded()) }
        return (mix(255, 8), mix(255, 48), mix(255, 107))
    }

    /// Top-left pixel of the cell for true class `row` and predicted class `column`.
    public static func cellOrigin(row: Int, column: Int) -> (x: Int, y: Int) {
        (margin + column * cellSize, margin + row * cellSize)
    }

    public init(matrix: ConfusionMatrix) {
        let k = matrix.classes.count
        let cell = ConfusionMatrixImage.cellSize, margin = ConfusionMatrixImage.margin
        width = margin + k * cell + 1
        height = margin + k * cell + 1
        var canvas = Canvas(width: width, height: height)
        let support = matrix.support
        for i in 0..<k {
            for j in 0..<k {
                let fraction = support[i] > 0 ? Double(matrix.counts[i][j]) / Double(support[i]) : 0
                let color = ConfusionMatrixImage.cellColor(fraction: fraction)
                let (x, y) = ConfusionMatrixImage.cellOrigin(row: i, column: j)
                canvas.fill(x: x, y: y, width: cell, height: cell, color: color)
                // Light text on dark cells, dark text on light ones.
                let ink: (UInt8, UInt8, UInt8) = fraction > 0.5 ? (255, 255, 255) : (20, 20, 20)
                canvas.drawNumber(matrix.counts[i][j], centerX: x + cell / 2, centerY: y + cell / 2, color: ink, maxWidth: cell - 4)
            }
        }
        // Grid lines between cells.
        for t in 0...k {
            canvas.fill(x: margin + t * cell, y: margin, width: 1, height: k * cell + 1, color: (160, 160, 160))
            canvas.fill(x: margin, y: margin + t * cell, width: k * cell + 1, height: 1, color: (160, 160, 160))
        }
        // Axis labels: class indices (names live in the HTML and text reports).
        for t in 0..<k {
            canvas.drawNumber(t, centerX: margin + t * cell + cell / 2, centerY: margin / 2, color: (60, 60, 60), maxWidth: cell - 4)
            canvas.drawNumber(t, centerX: margin / 2, centerY: margin + t * cell + cell / 2, color: (60, 60, 60), maxWidth: margin - 2)
        }
        rgb = canvas.pixels
    }

    /// Writes the image as an 8-bit RGB PNG.
    public func writePNG(to url: URL) throws {
        do { try Thumbnail.encodePNG(rgb, width: width, height: height).write(to: url, options: .atomic) } catch {
            throw MetricsError("\(url.path): cannot write PNG (\(error.localizedDescription))")
        }
    }
}

/// An RGB pixel buffer with just the drawing the heatmap needs.
struct Canvas {
    let width: Int
    let height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 255, count: width * height * 3)
    }

    mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: (UInt8, UInt8, UInt8)) {
        for yy in max(0, y)..<min(height, y + h) {
            for xx in max(0, x)..<min(width, x + w) {
                let p = (yy * width + xx) * 3
                pixels[p] = color.0; pixels[p + 1] = color.1; pixels[p + 2] = color.2
            }
        }
    }

    /// Draws a non-negative integer centred on (centerX, centerY), at scale 2 when it fits in maxWidth, else 1.
    mutating func drawNumber(_ value: Int, centerX: Int, centerY: Int, color: (UInt8, UInt8, UInt8), maxWidth: Int) {
        let digits = Array(String(value)).compactMap { $0.wholeNumberValue }
        let glyphWidth = 5, glyphHeight = 7, spacing = 1
        var scale = 2
        func textWidth(_ s: Int) -> Int { (digits.count * (glyphWidth + spacing) - spacing) * s }
        if textWidth(scale) > maxWidth { scale = 1 }
        let left = centerX - textWidth(scale) / 2, top = centerY - glyphHeight * scale / 2
        for (n, digit) in digits.enumerated() {
            let rows = DigitFont.glyphs[digit]
            for (gy, bits) in rows.enumerated() {
                for gx in 0..<glyphWidth where bits & (1 << (glyphWidth - 1 - gx)) != 0 {
                    fill(x: left + (n * (glyphWidth + spacing) + gx) * scale, y: top + gy * scale,
                         width: scale, height: scale, color: color)
                }
            }
        }
    }
}

/// A 5×7 bitmap font for the digits 0–9; each row is 5 bits, most significant bit leftmost.
enum DigitFont {
    static let glyphs: [[UInt8]] = [
        [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110],  // 0
        [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],  // 1
        [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111],  // 2
        [0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110],  // 3
        [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010],  // 4
        [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110],  // 5
        [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110],  // 6
        [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000],  // 7
        [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110],  // 8
        [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100],  // 9
    ]
}
