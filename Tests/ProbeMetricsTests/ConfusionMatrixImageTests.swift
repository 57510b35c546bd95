import XCTest
import ProbeImages
import ProbeMetrics

final class ConfusionMatrixImageTests: XCTestCase {
    func pixel(_ image: RGBImage, _ x: Int, _ y: Int) -> [UInt8] {
        let p = (y * image.width + x) * 3
        return Array(image.pixels[p..<(p + 3)])
    }

    func testPNGReadsBackWithExpectedSizeAndCellColours() throws {
        // Row 0 all correct (fraction 1 on the diagonal), row 1 split 1:3, row 2 all predicted as class 0.
        let matrix = try ConfusionMatrix(classes: ["a", "b", "c"], counts: [[7, 0, 0], [0, 1, 3], [2, 0, 0]])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("probe-cm-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try ConfusionMatrixImage(matrix: matrix).writePNG(to: url)

        let image = try ImageDecoder.decode(contentsOf: url)
        let side = ConfusionMatrixImage.margin + 3 * ConfusionMatrixImage.cellSize + 1
        XCTAssertEqual(image.width, side)
        XCTAssertEqual(image.height, side)

        func cellCorner(_ r: Int, _ c: Int) -> [UInt8] {
            let o = ConfusionMatrixImage.cellOrigin(row: r, column: c)
            return pixel(image, o.x + 2, o.y + 2)  // inside the cell, clear of the grid line and the digits
        }
        func colour(_ f: Double) -> [UInt8] { let c = ConfusionMatrixImage.cellColor(fraction: f); return [c.0, c.1, c.2] }
        XCTAssertEqual(cellCorner(0, 0), colour(1.0))
        XCTAssertEqual(cellCorner(0, 1), [255, 255, 255])
        XCTAssertEqual(cellCorner(1, 1), colour(0.25))
        XCTAssertEqual(cellCorner(1, 2), colour(0.75))
        XCTAssertEqual(cellCorner(2, 0), colour(1.0))
        XCTAssertNotEqual(colour(1.0), [255, 255, 255])

        // The count is drawn: the centre area of cell (0,0) holds white digit pixels on the dark cell.
        let o = ConfusionMatrixImage.cellOrigin(row: 0, column: 0)
        var whitePixels = 0
        for y in (o.y + 10)..<(o.y + 34) { for x in (o.x + 10)..<(o.x + 34) where pixel(image, x, y) == [255, 255, 255] { whitePixels += 1 } }
        XCTAssertGreaterThan(whitePixels, 10)
    }

    func testWritingIntoAMissingFolderThrowsANamedError() throws {
        let matrix = try ConfusionMatrix(classes: ["a", "b"], counts: [[1, 0], [0, 1]])
        let url = URL(fileURLWithPath: "/nonexistent-probe-folder/cm.png")
        XCTAssertThrowsError(try ConfusionMatrixImage(matrix: matrix).writePNG(to: url)) {
            XCTAssertTrue("\($0)".contains("/nonexistent-probe-folder/cm.png"), "\($0)")
        }
    }

    func testReadingANonPNGThrowsInsteadOfCrashing() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("probe-notpng-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("definitely not a png".utf8).write(to: url)
        XCTAssertThrowsError(try ImageDecoder.decode(contentsOf: url))
        // A truncated real PNG: libpng's longjmp path must come back as an error.
        let good = FileManager.default.temporaryDirectory.appendingPathComponent("probe-good-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: good) }
        try ConfusionMatrixImage(matrix: ConfusionMatrix(classes: ["a", "b"], counts: [[1, 0], [0, 1]])).writePNG(to: good)
        let bytes = try Data(contentsOf: good)
        try bytes.prefix(bytes.count / 2).write(to: url)
        XCTAssertThrowsError(try ImageDecoder.decode(contentsOf: url))
    }
}
