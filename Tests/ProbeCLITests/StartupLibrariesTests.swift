import Foundation
import ProbeTestSupport
import XCTest

/// Starting `probe` maps only what every run needs: libhdf5, libcurl, libcrypto and the image
/// libraries are opened with dlopen when first used, and the Swift runtime and Foundation are linked
/// into the executable, because those shared libraries and the ones they pull in took most of every
/// command's start.
final class StartupLibrariesTests: XCTestCase {
    func testStartingProbeMapsNeitherTheLazyLibrariesNorASharedSwiftRuntime() throws {
        // The dynamic loader's own listing of everything it maps at start (what ldd prints).
        let result = try runProbe([], environment: ["LD_TRACE_LOADED_OBJECTS": "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("libc.so.6") && result.stdout.contains("libopenblas"),
                      "not the loader's listing: \(result.stdout)")
        for library in ["libhdf5", "libcurl", "libcrypto", "libgnutls", "libssl",
                        // The image codecs, and what libtiff pulls in.
                        "libjpeg", "libpng", "libgif", "libwebp", "libtiff",
                        "libLerc", "libzstd", "liblzma", "libjbig", "libdeflate",
                        "libswiftCore", "libFoundation", "lib_FoundationICU", "libdispatch"] {
            XCTAssertFalse(result.stdout.contains(library), "\(library) is loaded at start:\n\(result.stdout)")
        }
    }
}
