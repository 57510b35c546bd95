import CCurl
import ProbeCore
import XCTest

/// libcurl is opened with dlopen by the first download (Sources/CCurl): the loader finds it under
/// the soname the build links against, and a missing library is one line naming it and its package.
/// (DownloaderTests run every transfer through the loaded table.)
final class LibCurlLoadingTests: XCTestCase {
    func testLibcurlLoadsUnderItsSoname() throws {
        let curl = try LazyLibrary.load { probe_curl_load(PROBE_CURL_SONAME, $0, $1, $2) }.get()
        let easy = curl.curl_easy_init()
        XCTAssertNotNil(easy)
        if let easy { curl.curl_easy_cleanup(easy) }
    }

    func testAMissingLibcurlIsOneLineNamingTheSonameAndThePackage() {
        let result = LazyLibrary.load { probe_curl_load("libcurl.so.999", $0, $1, $2) }
        guard case .failure(let error) = result else { return XCTFail("a library that does not exist was loaded") }
        XCTAssertEqual("\(error)", "libcurl.so.999 not found (Debian package libcurl4)")
    }
}
