import Foundation
import ProbeFetch
import ProbeTestSupport
import XCTest

/// Fixtures: reference/weights_archive_fixtures.py writes Tests/Fixtures/weights/archives/.
final class ArchiveExtractorTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("probe-extract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func archive(_ name: String) -> URL { TestPaths.fixture("weights/archives/\(name)") }

    private let longName = "flowers/rose/" + String(repeating: "a_very_long_file_name_", count: 6) + ".txt"

    private func assertGoodTree(_ root: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try String(contentsOf: root.appendingPathComponent("flowers/daisy/one.txt"), encoding: .utf8), "daisy one\n", file: file, line: line)
        XCTAssertEqual(try String(contentsOf: root.appendingPathComponent("flowers/daisy/two.txt"), encoding: .utf8),
                       String(repeating: "daisy two\n", count: 100), file: file, line: line)
        XCTAssertEqual(try String(contentsOf: root.appendingPathComponent(longName), encoding: .utf8), "long name\n", file: file, line: line)
    }

    private func assertRefused(_ name: String, mentioning words: [String], limits: ExtractionLimits = ExtractionLimits(),
                               file: StaticString = #filePath, line: UInt = #line) {
        let destination = folder.appendingPathComponent("out")
        XCTAssertThrowsError(try ArchiveExtractor.extract(archive(name), to: destination, limits: limits), file: file, line: line) { error in
            for word in words { XCTAssertTrue("\(error)".contains(word), "\(error) should mention \(word)", file: file, line: line) }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination.path), "nothing appears on refusal", file: file, line: line)
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        XCTAssertEqual(leftovers, [], "staging is cleaned up", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/probe-evil.txt"), file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.deletingLastPathComponent().appendingPathComponent("evil.txt").path),
                       file: file, line: line)
    }

    func testDetectsArchiveKindFromBytes() throws {
        XCTAssertEqual(try ArchiveExtractor.kind(of: archive("good.zip")), .zip)
        XCTAssertEqual(try ArchiveExtractor.kind(of: archive("good.tar.gz")), .tarGz)
        XCTAssertThrowsError(try ArchiveExtractor.kind(of: TestPaths.fixture("weights/expected.json")))
    }

    func testExtractsAGoodZip() throws {
        let destination = folder.appendingPathComponent("zip")
        try ArchiveExtractor.extract(archive("good.zip"), to: destination)
        try assertGoodTree(destination)
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: destination.appendingPathComponent("flowers/empty_dir").path, isDirectory: &isDirectory))
        XCTAssertTrue(isDirectory.boolValue)
    }

    func testExtractsAGoodPaxTarGzWithAnInsideSymlink() throws {
        let destination = folder.appendingPathComponent("tgz")
        try ArchiveExtractor.extract(archive("good.tar.gz"), to: destination)
        try assertGoodTree(destination)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: destination.appendingPathComponent("flowers/latest").path),
                       "rose/one.txt")
    }

    func testExtractsAGoodGNUTarGzWithLongNames() throws {
        let destination = folder.appendingPathComponent("gnu")
        try ArchiveExtractor.extract(archive("good_gnu.tar.gz"), to: destination)
        try assertGoodTree(destination)
    }

    func testRefusesTheDestinationIfItExists() throws {
        XCTAssertThrowsError(try ArchiveExtractor.extract(archive("good.zip"), to: folder)) { error in
            XCTAssertTrue("\(error)".contains("already exists"))
        }
    }

    func testRefusesPathTraversal() {
        assertRefused("slip.zip", mentioning: ["../evil.txt", "outside the target"])
        assertRefused("slip.tar.gz", mentioning: ["evil.txt", "outside the target"])
    }

    func testRefusesAbsolutePaths() {
        assertRefused("absolute.zip", mentioning: ["/tmp/probe-evil.txt", "absolute path"])
        assertRefused("absolute.tar.gz", mentioning: ["/tmp/probe-evil.txt", "absolute path"])
    }

    func testRefusesSymlinkEscapes() {
        assertRefused("symlink_escape.zip", mentioning: ["escape", "symlink escapes"])
        assertRefused("symlink_escape.tar.gz", mentioning: ["escape", "symlink escapes"])
        assertRefused("symlink_absolute.tar.gz", mentioning: ["etc", "absolute"])
    }

    func testRefusesWritingThroughASymlink() {
        assertRefused("symlink_write_through.tar.gz", mentioning: ["alias/x.txt", "through a symlink"])
    }

    func testRefusesHardLinks() {
        assertRefused("hardlink.tar.gz", mentioning: ["passwd", "hard links"])
    }

    func testRefusesZipBombsByRatio() {
        assertRefused("bomb.zip", mentioning: ["zeros.bin", "zip bomb"])
        assertRefused("bomb.tar.gz", mentioning: ["zip bomb"])
    }

    func testRefusesArchivesPastTheTotalSizeLimit() {
        let small = ExtractionLimits(maxTotalBytes: 500, maxRatio: 1e9)
        assertRefused("good.zip", mentioning: ["past 500 bytes"], limits: small)
        assertRefused("good.tar.gz", mentioning: ["past 500 bytes"], limits: small)
    }

    func testRefusesTooManyEntries() {
        assertRefused("good.zip", mentioning: ["more than 2 entries"], limits: ExtractionLimits(maxEntries: 2))
    }

    func testTruncatedOrCorruptedArchivesFailCleanly() throws {
        for name in ["good.tar.gz", "good.zip", "bomb.tar.gz"] {
            let bytes = try Data(contentsOf: archive(name))
            for cut in [bytes.count / 2, bytes.count - 9, bytes.count - 1] {
                let broken = folder.appendingPathComponent("broken-\(cut)-\(name)")
                try bytes.prefix(cut).write(to: broken)
                let destination = folder.appendingPathComponent("out-\(cut)-\(name)")
                XCTAssertThrowsError(try ArchiveExtractor.extract(broken, to: destination), "\(name) cut at \(cut)")
                XCTAssertFalse(FileManager.default.fileExists(atPath: destination.path))
            }
            var flipped = bytes
            flipped[bytes.count / 2] ^= 0x5A
            let corrupt = folder.appendingPathComponent("flipped-\(name)")
            try flipped.write(to: corrupt)
            let out = folder.appendingPathComponent("out-flipped-\(name)")
            if name.hasSuffix(".gz") {
                // gzip's CRC-32 covers every byte of the tar.
                XCTAssertThrowsError(try ArchiveExtractor.extract(corrupt, to: out), name)
            } else {
                // A flipped zip byte may land in a name or in data; either way: an error or a clean tree, no crash.
                _ = try? ArchiveExtractor.extract(corrupt, to: out)
            }
        }
    }
}
