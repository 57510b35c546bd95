import Foundation
import ProbeFetch
import ProbeTestSupport
import XCTest

/// Archives whose sizes or records lie, from fuzzing and the size audit (docs/fuzzing.md):
/// each is refused with one error naming the archive, and nothing appears at the destination.
final class ArchiveHostileInputTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("probe-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func assertRefused(_ archive: URL, mentioning text: String, line: UInt = #line) {
        let destination = folder.appendingPathComponent("out")
        XCTAssertThrowsError(try ArchiveExtractor.extract(archive, to: destination), line: line) { error in
            XCTAssertTrue("\(error)".contains(text), "\(error)", line: line)
            XCTAssertTrue("\(error)".contains(archive.path), "\(error)", line: line)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination.path), line: line)
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [], [], "staging is cleaned up", line: line)
    }

    /// Found by libFuzzer: a 248-byte zip whose local header gives a symlink 3.7 GB made
    /// ZIPFoundation allocate 3.7 GB; the claim is now checked against the archive's size.
    func testZipEntryClaimingMoreThanTheArchiveIsRefused() {
        let archive = TestPaths.fixture("fuzz-regressions/archive-zip/symlink-local-size-3.7GB.zip")
        assertRefused(archive, mentioning: "claims 3708616704 bytes, more than the whole archive (248 bytes)")
    }

    /// Found by libFuzzer (second run): a zip whose central directory runs past the end of the file
    /// slipped past the size check (which then gave up) while ZIPFoundation read it anyway and
    /// allocated the 1.3 GB a local header claimed for a symlink.
    func testZipWhoseDirectoryRunsPastTheEndIsRefused() {
        let archive = TestPaths.fixture("fuzz-regressions/archive-zip/directory-past-end-symlink-1.3GB.zip")
        assertRefused(archive, mentioning: "corrupt zip: the central directory (459 bytes at 435) runs past the end of the 645-byte file")
    }

    /// Found by libFuzzer (AddressSanitizer): ZIPFoundation tells zlib each chunk holds a full buffer,
    /// so the last, shorter chunk of a corrupt 35-byte .tar.gz was read past its end. Chunks are now
    /// padded; the over-read itself is caught by scripts/fuzz, which replays this input under ASan.
    func testCorruptGzipWithAShortLastChunkIsRefused() {
        assertRefused(TestPaths.fixture("fuzz-regressions/archive-tar/gzip-short-chunk-overread.tar.gz"), mentioning: "corrupt gzip")
    }

    /// Found reading the tar reader: a pax record shorter than its own length prefix trapped.
    func testPaxRecordShorterThanItsPrefixIsRefused() {
        assertRefused(TestPaths.fixture("fuzz-regressions/archive-tar/crafted-short-pax-record.tar"), mentioning: "bad pax record")
    }

    /// Found reading the tar reader: a folder entry of size 2^63 - 257 overflowed when rounded up to blocks.
    func testFolderSizeNearInt64MaxIsRefused() {
        assertRefused(TestPaths.fixture("fuzz-regressions/archive-tar/crafted-huge-folder-size.tar"), mentioning: "runs past the end")
    }

    /// The archive fixtures still extract with the size check in place (it refuses claims, not archives).
    func testGoodZipStillExtracts() throws {
        let destination = folder.appendingPathComponent("good")
        try ArchiveExtractor.extract(TestPaths.fixture("weights/archives/good.zip"), to: destination)
        XCTAssertTrue(FileManager.default.fileExists(atPath: destination.appendingPathComponent("flowers/daisy/one.txt").path))
    }

    /// Every saved archive input is refused or extracted, never a trap.
    func testEveryFuzzRegressionArchiveIsHandled() throws {
        for input in try FuzzRegressions.inputs("archive-zip") + FuzzRegressions.inputs("archive-tar") {
            let destination = folder.appendingPathComponent("replay-\(input.lastPathComponent)")
            _ = try? ArchiveExtractor.extract(input, to: destination)
            try? FileManager.default.removeItem(at: destination)
        }
    }
}
