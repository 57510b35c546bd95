import Foundation
import ProbeCore
import XCTest

final class SHA256DigestTests: XCTestCase {
    func testFileDigestMatchesTheKnownDigestOfABC() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("probe-sha-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("abc".utf8).write(to: file)
        // FIPS 180-2 test vector for "abc".
        XCTAssertEqual(try SHA256Digest.file(file), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testPrefixPinsNeedEightHexDigitsAndMatchCaseInsensitively() {
        let digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        XCTAssertTrue(SHA256Digest.matches(digest, pinned: "BA7816BF"))
        XCTAssertTrue(SHA256Digest.matches(digest, pinned: digest))
        XCTAssertFalse(SHA256Digest.matches(digest, pinned: "ba7816b"), "too short to pin anything")
        XCTAssertFalse(SHA256Digest.matches(digest, pinned: "ba7816bg"))
        XCTAssertFalse(SHA256Digest.matches(digest, pinned: "00000000"))
    }
}
