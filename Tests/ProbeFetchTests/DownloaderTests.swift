import Foundation
import ProbeCore
import ProbeFetch
import ProbeTestSupport
import XCTest

final class DownloaderTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("probe-downloader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// 300 KB of deterministic pseudo-random bytes (a 64-bit LCG), so truncation is visible anywhere.
    private let body: Data = {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return Data((0..<300_000).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        })
    }()

    private func server(_ behaviour: LocalHTTPServer.Behaviour) throws -> LocalHTTPServer {
        try LocalHTTPServer(routes: ["/file.bin": .init(body: body, behaviour: behaviour)])
    }

    func testDownloadsVerifiesAndMovesTheFileIntoPlace() throws {
        let server = try server(.normal)
        defer { server.stop() }
        let destination = folder.appendingPathComponent("models/file.bin")
        try Downloader().download(server.url("/file.bin"), to: destination, sha256: SHA256Digest.data(body))
        XCTAssertEqual(try Data(contentsOf: destination), body)
        XCTAssertFalse(FileManager.default.fileExists(atPath: Downloader.partialFile(for: destination).path))
    }

    func testReportsProgressUpToTheFullSize() throws {
        let server = try server(.normal)
        defer { server.stop() }
        final class Seen: @unchecked Sendable { var last: (Int64, Int64?) = (0, nil); var calls = 0 }
        let seen = Seen()
        let downloader = Downloader(onProgress: { received, total in seen.last = (received, total); seen.calls += 1 })
        try downloader.download(server.url("/file.bin"), to: folder.appendingPathComponent("file.bin"), sha256: SHA256Digest.data(body))
        XCTAssertGreaterThan(seen.calls, 0)
        XCTAssertEqual(seen.last.0, Int64(body.count))
        XCTAssertEqual(seen.last.1, Int64(body.count))
    }

    func testAcceptsAHashPrefixLikeTorchvisionFileNames() throws {
        let server = try server(.normal)
        defer { server.stop() }
        let destination = folder.appendingPathComponent("file.bin")
        try Downloader().download(server.url("/file.bin"), to: destination, sha256: String(SHA256Digest.data(body).prefix(8)))
        XCTAssertEqual(try Data(contentsOf: destination), body)
    }

    func testInterruptedDownloadResumesWithARangeRequest() throws {
        let server = try server(.cutFirstResponseAfter(100_000))
        defer { server.stop() }
        let destination = folder.appendingPathComponent("file.bin")
        let part = Downloader.partialFile(for: destination)
        XCTAssertThrowsError(try Downloader(maxAttempts: 1).download(server.url("/file.bin"), to: destination,
                                                                     sha256: SHA256Digest.data(body)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination.path), "a broken download must not appear")
        let kept = try Data(contentsOf: part)
        XCTAssertGreaterThan(kept.count, 0)
        XCTAssertLessThan(kept.count, body.count)
        XCTAssertEqual(kept, body.prefix(kept.count))

        try Downloader(maxAttempts: 1).download(server.url("/file.bin"), to: destination, sha256: SHA256Digest.data(body))
        XCTAssertEqual(try Data(contentsOf: destination), body)
        XCTAssertEqual(server.requests.last?.range, "bytes=\(kept.count)-")
        XCTAssertFalse(FileManager.default.fileExists(atPath: part.path))
    }

    func testOneCallRetriesAfterAnInterruption() throws {
        let server = try server(.cutFirstResponseAfter(50_000))
        defer { server.stop() }
        let destination = folder.appendingPathComponent("file.bin")
        try Downloader(maxAttempts: 3).download(server.url("/file.bin"), to: destination, sha256: SHA256Digest.data(body))
        XCTAssertEqual(try Data(contentsOf: destination), body)
        XCTAssertEqual(server.requests.count, 2)
        XCTAssertNotNil(server.requests.last?.range)
    }

    func testWrongHashDiscardsTheDownload() throws {
        let server = try server(.normal)
        defer { server.stop() }
        let destination = folder.appendingPathComponent("file.bin")
        let wrong = String(repeating: "0", count: 64)
        XCTAssertThrowsError(try Downloader().download(server.url("/file.bin"), to: destination, sha256: wrong)) { error in
            XCTAssertTrue("\(error)".contains("sha256 mismatch"), "\(error)")
            XCTAssertTrue("\(error)".contains(SHA256Digest.data(self.body)), "the message shows the actual hash")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: Downloader.partialFile(for: destination).path))
    }

    func testMissingFileReportsHTTP404() throws {
        let server = try server(.normal)
        defer { server.stop() }
        let destination = folder.appendingPathComponent("missing.bin")
        XCTAssertThrowsError(try Downloader().download(server.url("/missing.bin"), to: destination, sha256: "deadbeef")) { error in
            XCTAssertTrue("\(error)".contains("HTTP 404"), "\(error)")
            XCTAssertTrue("\(error)".contains("/missing.bin"), "\(error)")
        }
        XCTAssertEqual(server.requests.count, 1, "a 404 is not retried")
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: Downloader.partialFile(for: destination).path), "no empty .part left")
    }

    func testServerIgnoringRangeRestartsFromTheBeginning() throws {
        let server = try server(.ignoreRange)
        defer { server.stop() }
        let destination = folder.appendingPathComponent("file.bin")
        try Data(repeating: 0xAB, count: 1234).write(to: Downloader.partialFile(for: destination))
        try Downloader().download(server.url("/file.bin"), to: destination, sha256: SHA256Digest.data(body))
        XCTAssertEqual(try Data(contentsOf: destination), body)
        XCTAssertEqual(server.requests.first?.range, "bytes=1234-")
    }

    func testAVerifiedFileIsNotDownloadedAgain() throws {
        let server = try server(.normal)
        defer { server.stop() }
        let destination = folder.appendingPathComponent("file.bin")
        try Downloader().download(server.url("/file.bin"), to: destination, sha256: SHA256Digest.data(body))
        try Downloader().download(server.url("/file.bin"), to: destination, sha256: SHA256Digest.data(body))
        XCTAssertEqual(server.requests.count, 1)
    }
}
