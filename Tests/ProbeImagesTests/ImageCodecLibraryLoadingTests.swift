import CImageCodecs
import Foundation
import ProbeImages
import ProbeTestSupport
import XCTest

/// The image libraries are opened with dlopen when a decoder first needs them (Sources/CImageCodecs,
/// include/probe_codec_libraries.h): each loads under the soname the build links against with every
/// function the decoders call, a missing library or function is one line naming the soname and its
/// Debian package, and decoding a picture opens its library. (Every other image test decodes through
/// the loaded tables; ProbeCLITests checks that none is mapped at start and that a missing one is a
/// per-file error.)
final class ImageCodecLibraryLoadingTests: XCTestCase {
    /// Each library, the soname it is opened under, and the Debian package that holds it, as
    /// `dpkg -S <soname>` names them on Debian 12 (bookworm).
    private let libraries: [(library: probe_codec_library, soname: String, package: String)] = [
        (PROBE_CODEC_JPEG, "libjpeg.so.62", "libjpeg62-turbo"),
        (PROBE_CODEC_PNG, "libpng16.so.16", "libpng16-16"),
        (PROBE_CODEC_GIF, "libgif.so.7", "libgif7"),
        (PROBE_CODEC_WEBP, "libwebp.so.7", "libwebp7"),
        (PROBE_CODEC_WEBPDEMUX, "libwebpdemux.so.2", "libwebpdemux2"),
        (PROBE_CODEC_TIFF, "libtiff.so.6", "libtiff6"),
    ]

    private func load(_ library: probe_codec_library, _ soname: String) -> (status: Int32, reason: String) {
        var reason = [CChar](repeating: 0, count: 512)
        let status = probe_codec_library_load(library, soname, &reason, reason.count)
        return (status, String(cString: reason))
    }

    func testEveryImageLibraryLoadsUnderItsSonameWithEveryFunctionTheDecodersCall() {
        for (library, soname, _) in libraries {
            let result = load(library, soname)
            XCTAssertEqual(result.status, 0, "\(soname): \(result.reason)")
        }
    }

    func testAMissingImageLibraryIsOneLineNamingTheSonameAndThePackage() {
        for (library, soname, package) in libraries {
            let missing = soname.replacingOccurrences(of: #"\.so\.\d+$"#, with: ".so.999", options: .regularExpression)
            let result = load(library, missing)
            XCTAssertEqual(result.status, -1, missing)
            XCTAssertEqual(result.reason, "\(missing) not found (Debian package \(package))")
        }
    }

    func testALibraryWithoutTheFunctionsIsOneLineNamingTheFirstMissingOne() {
        // zlib is a real library (probe links it) with none of libtiff's functions.
        let result = load(PROBE_CODEC_TIFF, "libz.so.1")
        XCTAssertEqual(result.status, -1)
        XCTAssertEqual(result.reason, "libz.so.1 has no TIFFOpenOptionsAlloc (Debian package libtiff6, wrong version?)")
    }

    func testDecodingAPictureOpensItsFormatsLibrary() throws {
        let pictures: [(file: URL, soname: String)] = [
            (TestPaths.repoRoot.appendingPathComponent("data/pets-mini/cat/cat.1005.jpg"), "libjpeg.so.62"),
            (TestPaths.fixture("images/rgb8_adam7.png"), "libpng16.so.16"),
            (TestPaths.fixture("formats/gif_palette.gif"), "libgif.so.7"),
            (TestPaths.fixture("formats/webp_lossy.webp"), "libwebp.so.7"),
            (TestPaths.fixture("formats/webp_animated.webp"), "libwebpdemux.so.2"),
            (TestPaths.fixture("formats/tiff_rgb_lzw.tif"), "libtiff.so.6"),
        ]
        for (file, soname) in pictures {
            let image = try ImageDecoder.decode(contentsOf: file)
            XCTAssertGreaterThan(image.width * image.height, 0, file.lastPathComponent)
            // The loader's dlopen mapped it into this process (other tests may have done so first).
            // (/proc files report a size of 0, so they are read to their end, not by their size.)
            let maps = try XCTUnwrap(FileHandle(forReadingAtPath: "/proc/self/maps")).readToEnd() ?? Data()
            XCTAssertTrue(String(decoding: maps, as: UTF8.self).contains("/\(soname)"),
                          "\(soname) is not mapped after decoding \(file.lastPathComponent)")
        }
    }
}
