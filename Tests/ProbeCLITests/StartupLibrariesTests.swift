import Foundation
import ProbeTestSupport
import XCTest

/// Starting `probe` maps only what every run needs: libhdf5, libcurl (and Foundation's URLSession,
/// which links it) and libcrypto are opened with dlopen when first used, because they and the
/// libraries they pull in doubled the start time of every command.
final class StartupLibrariesTests: XCTestCase {
    func testStartingProbeLoadsNeitherHDF5NorCurlNorCrypto() throws {
        // The dynamic loader's own listing of everything it maps at start (what ldd prints).
        let result = try runProbe([], environment: ["LD_TRACE_LOADED_OBJECTS": "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("libFoundation.so"), "not the loader's listing: \(result.stdout)")
        for library in ["libhdf5", "libcurl", "libcrypto", "libFoundationNetworking", "libgnutls", "libssl"] {
            XCTAssertFalse(result.stdout.contains(library), "\(library) is loaded at start:\n\(result.stdout)")
        }
    }
}
