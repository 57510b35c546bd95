import Foundation
import ProbeCore
import XCTest

/// MD5Digest (Keras's `file_hash` pins) gives RFC 1321's published digests of its test inputs.
final class MD5DigestTests: XCTestCase {
    func testMD5MatchesRFC1321() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("md5-input-\(getpid())")
        defer { try? FileManager.default.removeItem(at: url) }
        for (text, digest) in [("", "d41d8cd98f00b204e9800998ecf8427e"), ("abc", "900150983cd24fb0d6963f7d28e17f72"),
                               ("message digest", "f96b697d7cb7938d525a2f31aaf161d0")] {
            try Data(text.utf8).write(to: url)
            XCTAssertEqual(try MD5Digest.file(url), digest, text)
        }
    }
}
