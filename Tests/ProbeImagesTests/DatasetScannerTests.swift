import Foundation
import ProbeCore
import ProbeImages
import XCTest

/// Scanning rules, on folder trees built in a temporary directory.
final class DatasetScannerTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("probe-scan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    private func touch(_ relative: String) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data([0xFF, 0xD8, 0xFF]).write(to: url)
    }

    func testClassesAreSortedByBytesAndLabelledByPosition() throws {
        // Byte order puts upper case before lower case and "b" before "ä" (0xC3 0xA4).
        for name in ["dog", "Zebra", "cat", "älg", "bird"] { try touch("\(name)/x.jpg") }
        let dataset = try DatasetScanner.scan(root)
        XCTAssertEqual(dataset.classes, ["Zebra", "bird", "cat", "dog", "älg"])
        XCTAssertEqual(dataset.items.map(\.label), [0, 1, 2, 3, 4])
        XCTAssertEqual(dataset.items.map(\.path), ["Zebra/x.jpg", "bird/x.jpg", "cat/x.jpg", "dog/x.jpg", "älg/x.jpg"])
    }

    func testFilesAreFoundRecursivelyInSortedRelativePathOrder() throws {
        for path in ["c/b.jpg", "c/a/z.JPG", "c/a.png", "c/B.jpeg", "c/sub/deeper/d.jpg"] { try touch(path) }
        let dataset = try DatasetScanner.scan(root)
        XCTAssertEqual(dataset.items.map(\.path), ["c/B.jpeg", "c/a.png", "c/a/z.JPG", "c/b.jpg", "c/sub/deeper/d.jpg"])
        XCTAssertTrue(dataset.items.allSatisfy { $0.label == 0 })
        XCTAssertEqual(dataset.url(of: dataset.items[0].path).path, root.appendingPathComponent("c/B.jpeg").standardizedFileURL.path)
    }

    func testHiddenFilesAndFoldersAreIgnoredSilently() throws {
        for path in ["a/.DS_Store", "a/.hidden.jpg", "a/.git/x.jpg", "a/ok.jpg", ".secret/y.jpg"] { try touch(path) }
        let dataset = try DatasetScanner.scan(root)
        XCTAssertEqual(dataset.classes, ["a"])
        XCTAssertEqual(dataset.items.map(\.path), ["a/ok.jpg"])
        XCTAssertEqual(dataset.skipped, [])
    }

    func testOtherExtensionsAreSkippedWithAReasonAndRootFilesIgnored() throws {
        for path in ["a/ok.jpg", "a/clip.heic", "a/notes", "README.md"] { try touch(path) }
        let dataset = try DatasetScanner.scan(root)
        XCTAssertEqual(dataset.items.map(\.path), ["a/ok.jpg"])
        XCTAssertEqual(dataset.skipped.map(\.path), ["a/clip.heic", "a/notes"])
        XCTAssertTrue(dataset.skipped[0].reason.contains(".heic"), dataset.skipped[0].reason)
    }

    /// Every extension of the formats Probe decodes is taken, in any case (Keras's and torchvision's lists).
    func testEveryDecodedFormatsExtensionIsTaken() throws {
        let names = ["a.jpg", "b.JPEG", "c.png", "d.bmp", "e.gif", "f.webp", "g.tif", "h.TIFF", "i.ppm", "j.pgm", "k.pbm", "l.pnm"]
        for name in names { try touch("a/" + name) }
        let dataset = try DatasetScanner.scan(root)
        XCTAssertEqual(dataset.items.map(\.path), names.map { "a/" + $0 })
        XCTAssertEqual(dataset.skipped, [])
    }

    /// The scan's one stat per file gives the size and mtime a store records, for images and for
    /// files it leaves out; a dangling link, which has none, gets zeros.
    func testItemsAndSkippedFilesCarryTheSizeAndMtimeOfTheirStat() throws {
        try FileManager.default.createDirectory(at: root.appendingPathComponent("a"), withIntermediateDirectories: true)
        try Data(count: 1234).write(to: root.appendingPathComponent("a/x.jpg"))
        try Data(count: 56).write(to: root.appendingPathComponent("a/notes.txt"))
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("a/gone.jpg").path, withDestinationPath: "nowhere")
        let seconds: [String: Int] = ["a/x.jpg": 1_600_000_000, "a/notes.txt": 1_500_000_000]
        for (path, time) in seconds {
            var times = [timespec(tv_sec: time, tv_nsec: 250), timespec(tv_sec: time, tv_nsec: 250)]
            XCTAssertEqual(utimensat(AT_FDCWD, root.appendingPathComponent(path).path, &times, 0), 0)
        }
        let dataset = try DatasetScanner.scan(root)
        XCTAssertEqual(dataset.items, [DatasetFile(path: "a/x.jpg", label: 0, size: 1234, mtimeNanoseconds: 1_600_000_000_000_000_250)])
        XCTAssertEqual(dataset.skipped.map(\.path), ["a/gone.jpg", "a/notes.txt"])
        XCTAssertEqual(dataset.skipped.map(\.size), [0, 56])
        XCTAssertEqual(dataset.skipped.map(\.mtimeNanoseconds), [0, 1_500_000_000_000_000_250])
    }

    func testEmptyClassGivesAWarningAndKeepsItsIndex() throws {
        try touch("a/x.jpg")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("b"), withIntermediateDirectories: true)
        try touch("c/x.jpg")
        let dataset = try DatasetScanner.scan(root)
        XCTAssertEqual(dataset.classes, ["a", "b", "c"])
        XCTAssertEqual(dataset.countsPerClass, [1, 0, 1])
        XCTAssertEqual(dataset.warnings, ["class 'b' has no images"])
    }

    func testSymlinkLoopIsReportedNotFollowed() throws {
        try touch("a/x.jpg")
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("a/loop").path,
                                                   withDestinationPath: root.appendingPathComponent("a").path)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("a/self").path, withDestinationPath: "self")
        let dataset = try DatasetScanner.scan(root)
        XCTAssertEqual(dataset.items.map(\.path), ["a/x.jpg"])
        XCTAssertEqual(dataset.skipped.map(\.path), ["a/loop", "a/self"])
        XCTAssertTrue(dataset.skipped.allSatisfy { $0.reason.contains("loop") }, "\(dataset.skipped)")
    }

    func testSymlinkedClassFolderIsFollowed() throws {
        try touch("elsewhere/x.jpg")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("data"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("data/linked").path,
                                                   withDestinationPath: root.appendingPathComponent("elsewhere").path)
        let dataset = try DatasetScanner.scan(root.appendingPathComponent("data"))
        XCTAssertEqual(dataset.items.map(\.path), ["linked/x.jpg"])
    }

    /// `probe predict`'s folders: no classes, files at the top taken too, every other rule as `scan`'s.
    func testUnlabelledFolderKeepsTheRulesOfScan() throws {
        for path in ["b.jpg", "a/z.PNG", "a/.hidden.jpg", ".git/x.jpg", "notes.txt", "c.webp"] { try touch(path) }
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("a/loop").path,
                                                   withDestinationPath: root.appendingPathComponent("a").path)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("gone.jpg").path, withDestinationPath: "nowhere")
        let folder = try DatasetScanner.scanImages(below: root)
        XCTAssertEqual(folder.classes, [])
        XCTAssertEqual(folder.items.map(\.path), ["a/z.PNG", "b.jpg", "c.webp"])
        XCTAssertTrue(folder.items.allSatisfy { $0.label == 0 && $0.size == 3 })
        XCTAssertEqual(folder.skipped.map(\.path), ["a/loop", "gone.jpg", "notes.txt"])
        XCTAssertEqual(folder.skipped.map(\.reason), [
            "symbolic link loop (points back to a folder above it), not followed", "broken symbolic link or unreadable entry",
            "unsupported file type '.txt' (expected \(DatasetScanner.imageExtensionList))",
        ])
        XCTAssertThrowsError(try DatasetScanner.scanImages(below: root.appendingPathComponent("b.jpg"))) { error in
            XCTAssertEqual("\(error)", "\(root.appendingPathComponent("b.jpg").standardizedFileURL.path): not a folder")
        }
    }

    func testMissingRootIsAClearError() {
        let missing = root.appendingPathComponent("nope")
        XCTAssertThrowsError(try DatasetScanner.scan(missing)) { error in
            XCTAssertEqual("\(error)", "\(missing.path): dataset folder not found")
        }
    }

    func testRootWithoutClassFoldersIsAClearError() throws {
        try Data("x".utf8).write(to: root.appendingPathComponent("file.jpg"))
        XCTAssertThrowsError(try DatasetScanner.scan(root)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(root.standardizedFileURL.path): no class folders"), "\(error)")
        }
    }

    func testScanningTwiceGivesTheSameOrder() throws {
        for i in (0..<50).shuffled() { try touch("k\(i % 3)/img\(i).jpg") }
        let first = try DatasetScanner.scan(root), second = try DatasetScanner.scan(root)
        XCTAssertEqual(first.items, second.items)
        XCTAssertEqual(first.items.map(\.path), first.items.map(\.path).sorted {
            $0.utf8.lexicographicallyPrecedes($1.utf8)
        })
    }
}
