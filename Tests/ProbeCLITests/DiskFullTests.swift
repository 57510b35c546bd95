import Foundation
import ProbeStore
import ProbeTestSupport
import XCTest

/// `probe extract` and `probe fit-*` on a file system that runs out of space: a real tmpfs
/// of a few pages (mounting needs root, as CI runs; elsewhere these tests fail with a
/// missing-prerequisite message rather than skip). One clear error naming the file, a
/// non-zero exit, the last committed state left on disk, and after space is freed the same
/// command completes to the same bytes as a run that never met a full disk.
final class DiskFullTests: XCTestCase {
    func mountTmpfs(size: String) throws -> URL {
        let dir = try ExtractTestSupport.temporaryFolder(self, "tmpfs")
        let result = try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "probe-test-tmpfs", dir.path])
        guard result.status == 0 else {
            throw MissingPrerequisite("the disk-full tests mount a small tmpfs (mount -t tmpfs needs root): \(result.stderr)")
        }
        addTeardownBlock { _ = try? self.run("/bin/umount", [dir.path]) }
        return dir
    }

    func resize(_ dir: URL, to size: String) throws {
        let result = try run("/bin/mount", ["-o", "remount,size=\(size)", dir.path])
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    /// 6 photos of each class.
    func smallDataset() throws -> URL {
        let data = try ExtractTestSupport.temporaryFolder(self, "full-data")
        for label in ["cat", "dog"] {
            let source = ExtractTestSupport.petsMini.appendingPathComponent(label)
            try FileManager.default.createDirectory(at: data.appendingPathComponent(label), withIntermediateDirectories: true)
            for name in try FileManager.default.contentsOfDirectory(atPath: source.path).filter({ $0.hasSuffix(".jpg") }).sorted().prefix(6) {
                try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: data.appendingPathComponent("\(label)/\(name)"))
            }
        }
        return data
    }

    func testExtractOnAFullDiskStopsAtItsLastCommitAndCompletesOnceSpaceIsFreed() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let data = try smallDataset()
        // 16 pages: the lock, the manifest and its replacement, and two 2-row shards of 5 pages each.
        let disk = try mountTmpfs(size: "64k")
        let store = disk.appendingPathComponent("store")
        let arguments = ExtractTestSupport.extractArguments(data: data, out: store, weights: weights,
                                                            ["--batch", "2", "--shard-rows", "2", "--json"])
        let full = try runProbe(arguments)
        XCTAssertNotEqual(full.status, 0, "extract reported success on a full disk")
        let lines = full.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one error line expected: \(full.stderr)")
        XCTAssertTrue(full.stderr.contains(store.path) && full.stderr.contains("No space left on device"), full.stderr)

        // The store is its last commit: whole, marked unfinished, some shards in it.
        let verify = try runProbe(["verify", store.path])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        let manifest = try StoreManifest.require(directory: store)
        XCTAssertEqual(manifest.complete, false)
        XCTAssertGreaterThan(manifest.totals.rows, 0, "the disk filled before the first commit; nothing tested the resume")
        XCTAssertLessThan(manifest.totals.rows, 12)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: store.path).contains { $0.hasSuffix(".partial") })

        try resize(disk, to: "8m")
        let rerun = try runProbe(arguments)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)

        let reference = try ExtractTestSupport.temporaryFolder(self, "full-reference")
        let whole = try runProbe(ExtractTestSupport.extractArguments(data: data, out: reference, weights: weights,
                                                                     ["--batch", "2", "--shard-rows", "2", "--json"]))
        XCTAssertEqual(whole.status, 0, whole.stderr)
        // Same shards, same checksums of every file: the same bytes.
        XCTAssertEqual(try StoreManifest.require(directory: store), try StoreManifest.require(directory: reference))
        XCTAssertEqual(try StoreManifest.require(directory: store).totals.rows, 12)
    }

    func testFitOnAFullDiskLeavesThePreviousModelWholeAndNoHalfFiles() throws {
        let root = try copyStoreFixtures(["numpy-f32"], for: self)
        let features = root.appendingPathComponent("numpy-f32").path
        let disk = try mountTmpfs(size: "1m")
        let model = disk.appendingPathComponent("models/logreg.json")
        let fit = ["fit-logreg", features, "--val-split", "0", "--out", model.path]
        let first = try runProbe(fit + ["--C", "1"], currentDirectory: root)
        XCTAssertEqual(first.status, 0, first.stderr)
        let before = try runProbe(["predict", "--classifier", model.path, features, "--json"], currentDirectory: root)
        XCTAssertEqual(before.status, 0, before.stderr)
        let filesBefore = try modelFiles(disk)

        // Fill the disk, then fit again with another C: it must fail and keep the old model.
        _ = try run("/bin/dd", ["if=/dev/zero", "of=\(disk.path)/filler", "bs=4096"])
        let refit = try runProbe(fit + ["--C", "0.01"], currentDirectory: root)
        XCTAssertNotEqual(refit.status, 0, "fit reported success on a full disk")
        XCTAssertEqual(refit.stderr.split(separator: "\n").count, 1, refit.stderr)
        XCTAssertTrue(refit.stderr.contains("No space left on device") && refit.stderr.contains(disk.path), refit.stderr)
        XCTAssertEqual(try modelFiles(disk), filesBefore, "the failed fit changed or left files")
        let after = try runProbe(["predict", "--classifier", model.path, features, "--json"], currentDirectory: root)
        XCTAssertEqual(after.stdout, before.stdout, "the model saved before the full disk changed")

        // One page free: room for one file at a time. The fit either completes (a new model whose
        // predictions differ) or fails leaving the old model exactly as it was, never a mix.
        let filler = disk.appendingPathComponent("filler")
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: filler.path)[.size] as? Int)
        let handle = try FileHandle(forWritingTo: filler)
        try handle.truncate(atOffset: UInt64(size - 4096))
        try handle.close()
        let tight = try runProbe(fit + ["--C", "0.01"], currentDirectory: root)
        let predicted = try runProbe(["predict", "--classifier", model.path, features, "--json"], currentDirectory: root)
        XCTAssertEqual(predicted.status, 0, "the model no longer loads after a fit on a nearly full disk: \(predicted.stderr)")
        if tight.status == 0 {
            XCTAssertNotEqual(try modelFiles(disk), filesBefore)
        } else {
            XCTAssertTrue(tight.stderr.contains("No space left on device"), tight.stderr)
            XCTAssertEqual(try modelFiles(disk), filesBefore, "a failed fit changed the model's files")
            XCTAssertEqual(predicted.stdout, before.stdout)
        }

        try FileManager.default.removeItem(at: filler)
        let again = try runProbe(fit + ["--C", "0.01"], currentDirectory: root)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertNotEqual(try modelFiles(disk), filesBefore)
    }

    /// Name and bytes of every file under `models/`.
    func modelFiles(_ disk: URL) throws -> [String: Data] {
        let dir = disk.appendingPathComponent("models")
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            files[name] = try Data(contentsOf: dir.appendingPathComponent(name))
        }
        return files
    }

    @discardableResult
    func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
