import Foundation
import ProbeTestSupport
import XCTest

/// Without an image library, `probe` still starts and runs (the codecs are opened on first use), and
/// each picture that needs the missing library is a one-line error naming the file, the soname and
/// the Debian package; the other pictures decode. A library is made "missing" by putting an empty
/// file of its soname first on LD_LIBRARY_PATH, where dlopen looks before the system folders and
/// which it then refuses as not a library.
final class MissingImageLibrariesTests: XCTestCase {
    /// One picture of each decoded format, in one class folder.
    private func dataset() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("probe-missing-codecs-\(UUID().uuidString)")
        let folder = root.appendingPathComponent("pictures")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let sources = [
            "jpeg.jpg": TestPaths.repoRoot.appendingPathComponent("data/pets-mini/cat/cat.1005.jpg"),
            "png.png": TestPaths.fixture("images/rgb8_adam7.png"),
            "gif.gif": TestPaths.fixture("formats/gif_palette.gif"),
            "still.webp": TestPaths.fixture("formats/webp_lossy.webp"),
            "animated.webp": TestPaths.fixture("formats/webp_animated.webp"),
            "tiff.tif": TestPaths.fixture("formats/tiff_rgb_lzw.tif"),
            "bmp.bmp": TestPaths.fixture("formats/bmp_rgb24.bmp"),
        ]
        for (name, source) in sources { try FileManager.default.copyItem(at: source, to: folder.appendingPathComponent(name)) }
        return root
    }

    /// A folder holding an empty file for each of `sonames`.
    private func emptyLibraries(_ sonames: [String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("probe-empty-libs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        for soname in sonames { try Data().write(to: folder.appendingPathComponent(soname)) }
        return folder
    }

    func testEachPictureNeedingAMissingLibraryIsOneLineNamingTheFileAndTheLibrary() throws {
        let root = try dataset()
        let libraries = try emptyLibraries(["libjpeg.so.62", "libpng16.so.16", "libgif.so.7", "libwebp.so.7", "libtiff.so.6"])
        let result = try runProbe(["scan", root.path, "--decode"], environment: ["LD_LIBRARY_PATH": libraries.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        // Only the BMP, read by Probe's own code, decodes.
        XCTAssertTrue(result.stdout.contains("total: 7 images, 1 decodable"), result.stdout)
        for line in [
            "  pictures/animated.webp: cannot decode WebP: libwebp.so.7 not found (Debian package libwebp7)",
            "  pictures/gif.gif: cannot decode GIF: libgif.so.7 not found (Debian package libgif7)",
            "  pictures/jpeg.jpg: cannot decode JPEG: libjpeg.so.62 not found (Debian package libjpeg62-turbo)",
            "  pictures/png.png: cannot decode PNG: libpng16.so.16 not found (Debian package libpng16-16)",
            "  pictures/still.webp: cannot decode WebP: libwebp.so.7 not found (Debian package libwebp7)",
            "  pictures/tiff.tif: cannot decode TIFF: libtiff.so.6 not found (Debian package libtiff6)",
        ] {
            XCTAssertTrue(result.stdout.contains(line + "\n"), "missing \(line) in\n\(result.stdout)")
        }
    }

    func testWithoutLibwebpdemuxOnlyAnimatedWebPFails() throws {
        let root = try dataset()
        let libraries = try emptyLibraries(["libwebpdemux.so.2"])
        let result = try runProbe(["scan", root.path, "--decode"], environment: ["LD_LIBRARY_PATH": libraries.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("total: 7 images, 6 decodable"), result.stdout)
        XCTAssertTrue(result.stdout.contains("""
            skipped: 1 files
              pictures/animated.webp: cannot decode WebP: libwebpdemux.so.2 not found (Debian package libwebpdemux2)

            """), result.stdout)
    }
}
