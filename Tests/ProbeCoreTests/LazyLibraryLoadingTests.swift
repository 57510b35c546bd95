import CCrypto
import Foundation
import ProbeCore
import XCTest

/// libcrypto is opened with dlopen on first use (Sources/CCrypto): the loader finds it under the
/// soname the build links against, and a missing library is one line naming it and its package.
final class LazyLibraryLoadingTests: XCTestCase {
    func testLibcryptoLoadsUnderItsSonameAndHashes() throws {
        let crypto = try LazyLibrary.load { probe_crypto_load(PROBE_CRYPTO_SONAME, $0, $1, $2) }.get()
        // The table's functions work: SHA-256 of "abc" (FIPS 180-2 test vector) through them.
        let context = crypto.EVP_MD_CTX_new()
        defer { crypto.EVP_MD_CTX_free(context) }
        XCTAssertEqual(crypto.EVP_DigestInit_ex(context, crypto.EVP_sha256(), nil), 1)
        XCTAssertEqual(crypto.EVP_DigestUpdate(context, "abc", 3), 1)
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        XCTAssertEqual(crypto.EVP_DigestFinal_ex(context, &digest, &length), 1)
        XCTAssertEqual(digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined(),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testAMissingLibcryptoIsOneLineNamingTheSonameAndThePackage() {
        let result = LazyLibrary.load { probe_crypto_load("libcrypto.so.999", $0, $1, $2) }
        guard case .failure(let error) = result else { return XCTFail("a library that does not exist was loaded") }
        XCTAssertEqual("\(error)", "libcrypto.so.999 not found (Debian package libssl3)")
    }
}
