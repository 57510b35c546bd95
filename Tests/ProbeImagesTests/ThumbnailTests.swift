import Foundation
import XCTest
import ProbeImages
import ProbeTestSupport

final class ThumbnailTests: XCTestCase {
    func readBack(_ png: Data) throws -> (width: Int, height: Int, rgb: [UInt8]) {
        let image = try ImageDecoder.decode(data: png, name: "thumbnail")
        return (image.width, image.height, image.pixels)
    }

    func testPNGIsDownscaledToMaxSideKeepingAspectAndColours() throws {
        // 400×300: left half red, right half blue.
        let w = 400, h = 300
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h { for x in 0..<w { let p = (y * w + x) * 3; if x < w / 2 { rgb[p] = 200 } else { rgb[p + 2] = 180 } } }
        let source = try Thumbnail.encodePNG(rgb, width: w, height: h)
        let thumb = try readBack(Thumbnail.png(fromImageData: source, maxSide: 100))
        XCTAssertEqual(thumb.width, 100)
        XCTAssertEqual(thumb.height, 75)
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { let p = (y * thumb.width + x) * 3; return Array(thumb.rgb[p..<(p + 3)]) }
        XCTAssertEqual(pixel(10, 30), [200, 0, 0])
        XCTAssertEqual(pixel(90, 30), [0, 0, 180])
    }

    func testSmallImagesAreNotUpscaled() throws {
        let source = try Thumbnail.encodePNG([UInt8](repeating: 7, count: 20 * 10 * 3), width: 20, height: 10)
        let thumb = try readBack(Thumbnail.png(fromImageData: source, maxSide: 192))
        XCTAssertEqual([thumb.width, thumb.height], [20, 10])
    }

    func testRealJPEGBecomesASmallPNG() throws {
        let folder = TestPaths.sharedDatasets.appendingPathComponent("alpaca/alpaca")
        guard let name = try? FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().first(where: { $0.hasSuffix(".jpg") }) else {
            throw MissingPrerequisite("shared datasets not present")
        }
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        let png = try Thumbnail.png(fromImageData: data, maxSide: 160)
        let thumb = try readBack(png)
        XCTAssertEqual(max(thumb.width, thumb.height), 160)
        XCTAssertLessThan(png.count, data.count)
    }

    func testGarbageAndTruncatedImagesThrow() throws {
        XCTAssertThrowsError(try Thumbnail.png(fromImageData: Data("hello".utf8), maxSide: 50))
        let source = try Thumbnail.encodePNG([UInt8](repeating: 90, count: 64 * 64 * 3), width: 64, height: 64)
        XCTAssertThrowsError(try Thumbnail.png(fromImageData: source.prefix(source.count / 2), maxSide: 50))
    }
}
