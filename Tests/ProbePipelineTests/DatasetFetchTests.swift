import Foundation
import ProbeCore
import XCTest
import ProbeFetch
import ProbePipeline
import ProbeTestSupport

/// `probe datasets fetch` end to end against a server on 127.0.0.1: a real tar.gz of
/// photos lands in the cache as class folders; hostile or wrong archives leave nothing.
final class DatasetFetchTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try temporaryDirectory("fetch") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A tar.gz holding `mini/{cat,dog}/` with two committed photos each, made with tar(1).
    private func makePhotoArchive() throws -> Data {
        let src = dir.appendingPathComponent("src/mini")
        for cls in ["cat", "dog"] {
            let classDir = src.appendingPathComponent(cls)
            try FileManager.default.createDirectory(at: classDir, withIntermediateDirectories: true)
            let photos = try FileManager.default.contentsOfDirectory(atPath: TestPaths.repoRoot.appendingPathComponent("data/pets-mini/\(cls)").path).sorted().prefix(2)
            for photo in photos {
                try FileManager.default.copyItem(at: TestPaths.repoRoot.appendingPathComponent("data/pets-mini/\(cls)/\(photo)"),
                                                 to: classDir.appendingPathComponent(photo))
            }
        }
        let archive = dir.appendingPathComponent("mini.tar.gz")
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["czf", archive.path, "-C", dir.appendingPathComponent("src").path, "mini"]
        try tar.run()
        tar.waitUntilExit()
        XCTAssertEqual(tar.terminationStatus, 0)
        return try Data(contentsOf: archive)
    }

    private func catalog(url: URL, sha256: String, archive: String = "tar.gz") throws -> DatasetCatalog {
        let file = dir.appendingPathComponent("datasets.json")
        try Data("""
        {"format_version": 1, "default": "mini", "datasets": [{"name": "mini", "description": "test", "licence": "CC0",
         "classes": ["cat", "dog"], "layout": "one folder per class",
         "remote": {"url": "\(url.absoluteString)", "sha256": "\(sha256)", "archive": "\(archive)", "root": "mini"}}]}
        """.utf8).write(to: file)
        return try DatasetCatalog(contentsOf: file)
    }

    func testFetchedArchiveBecomesAClassFolderDatasetInTheCache() throws {
        let body = try makePhotoArchive()
        let server = try LocalHTTPServer(routes: ["/mini.tar.gz": .init(body: body, behaviour: .normal)])
        defer { server.stop() }
        let catalog = try catalog(url: server.url("/mini.tar.gz"), sha256: SHA256Digest.data(body))
        let cache = ProbeCache(root: dir.appendingPathComponent("cache"))
        let root = try Datasets.fetch(catalog.entry(named: "mini"), catalog: catalog, cache: cache)
        XCTAssertEqual(root.standardizedFileURL.path, cache.root.appendingPathComponent("datasets/mini/mini").standardizedFileURL.path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted(), ["cat", "dog"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("dog").path).count, 2)
        let row = try XCTUnwrap(Datasets.list(catalog, cache: cache).first)
        XCTAssertEqual(row.images, 4)
        XCTAssertTrue(row.whereabouts.hasPrefix("cached"), row.whereabouts)
        // A second fetch finds it in the cache and asks the server nothing.
        let served = server.requests.count
        _ = try Datasets.fetch(catalog.entry(named: "mini"), catalog: catalog, cache: cache)
        XCTAssertEqual(server.requests.count, served)
    }

    /// The cache on a real tmpfs with room for the archive but not for it and its photos:
    /// unpacking fails with one error naming the file and the full disk, no half dataset is
    /// left in the cache, and once there is space the same fetch completes. (Mounting needs
    /// root, as CI runs; elsewhere this fails with a missing-prerequisite message.)
    func testUnpackingOnAFullDiskLeavesNoHalfDatasetAndSucceedsOnceSpaceIsFreed() throws {
        let body = try makePhotoArchive()
        let disk = dir.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        // Whole pages: the archive, plus half of what its photos need.
        let pages = (body.count + 4095) / 4096 * 3 / 2
        guard try mount(["-t", "tmpfs", "-o", "size=\(pages * 4096)", "probe-test-tmpfs", disk.path]) == 0 else {
            throw MissingPrerequisite("the disk-full fetch test mounts a small tmpfs (mount -t tmpfs needs root)")
        }
        defer { _ = try? mount(["-l", disk.path], tool: "/bin/umount") }
        let server = try LocalHTTPServer(routes: ["/mini.tar.gz": .init(body: body, behaviour: .normal)])
        defer { server.stop() }
        let catalog = try catalog(url: server.url("/mini.tar.gz"), sha256: SHA256Digest.data(body))
        let cache = ProbeCache(root: disk.appendingPathComponent("cache"))
        XCTAssertThrowsError(try Datasets.fetch(catalog.entry(named: "mini"), catalog: catalog, cache: cache)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("cannot write while unpacking mini.tar.gz (No space left on device)"), message)
            XCTAssertTrue(message.contains(disk.path), message)
            XCTAssertFalse(message.contains("\n"), message)
        }
        let datasets = cache.root.appendingPathComponent("datasets")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: datasets.path), [], "a half-unpacked dataset was left in the cache")
        XCTAssertNil(catalog.location(of: try catalog.entry(named: "mini"), cache: cache.root))

        XCTAssertEqual(try mount(["-o", "remount,size=8m", disk.path]), 0)
        let root = try Datasets.fetch(catalog.entry(named: "mini"), catalog: catalog, cache: cache)
        XCTAssertEqual(try Datasets.list(catalog, cache: cache).first?.images, 4)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted(), ["cat", "dog"])
    }

    private func mount(_ arguments: [String], tool: String = "/bin/mount") throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    func testWrongHashLeavesNothingInTheCache() throws {
        let body = try makePhotoArchive()
        let server = try LocalHTTPServer(routes: ["/mini.tar.gz": .init(body: body, behaviour: .normal)])
        defer { server.stop() }
        let catalog = try catalog(url: server.url("/mini.tar.gz"), sha256: String(repeating: "0", count: 64))
        let cache = ProbeCache(root: dir.appendingPathComponent("cache"))
        XCTAssertThrowsError(try Datasets.fetch(catalog.entry(named: "mini"), catalog: catalog, cache: cache)) {
            XCTAssertTrue("\($0)".lowercased().contains("sha256"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache.root.appendingPathComponent("datasets/mini").path))
    }

    func testArchiveThatEscapesItsFolderIsRefused() throws {
        let body = try Data(contentsOf: TestPaths.fixture("weights/archives/slip.tar.gz"))
        let server = try LocalHTTPServer(routes: ["/evil.tar.gz": .init(body: body, behaviour: .normal)])
        defer { server.stop() }
        let catalog = try catalog(url: server.url("/evil.tar.gz"), sha256: SHA256Digest.data(body))
        let cache = ProbeCache(root: dir.appendingPathComponent("cache"))
        XCTAssertThrowsError(try Datasets.fetch(catalog.entry(named: "mini"), catalog: catalog, cache: cache))
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache.root.appendingPathComponent("datasets/mini").path))
        let datasets = (try? FileManager.default.contentsOfDirectory(atPath: cache.root.appendingPathComponent("datasets").path)) ?? []
        XCTAssertTrue(datasets.allSatisfy { !$0.contains("mini") }, "\(datasets)")
    }

    func testMissingServerFileIsAClearError() throws {
        let server = try LocalHTTPServer(routes: [:])
        defer { server.stop() }
        let catalog = try catalog(url: server.url("/gone.tar.gz"), sha256: String(repeating: "1", count: 64))
        XCTAssertThrowsError(try Datasets.fetch(catalog.entry(named: "mini"), catalog: catalog,
                                                cache: ProbeCache(root: dir.appendingPathComponent("cache")))) {
            XCTAssertTrue("\($0)".contains("404"), "\($0)")
        }
    }
}
