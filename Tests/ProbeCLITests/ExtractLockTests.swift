import Foundation
import XCTest
import ProbeStore
import ProbeTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// One writer per store folder: a second `probe extract` into a folder that another one is
/// writing stops with a clear message, and a lock left by a dead process is taken over.
final class ExtractLockTests: XCTestCase {
    func testSecondExtractIntoAFolderBeingWrittenFailsNamingTheHolder() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let store = try ExtractTestSupport.temporaryFolder(self, "lock-store")
        let arguments = ExtractTestSupport.extractArguments(data: ExtractTestSupport.petsMini, out: store, weights: weights,
                                                            ["--batch", "8", "--shard-rows", "16"])
        // One thread, so the first run surely outlasts the second one's start-up even on a fast machine.
        let first = try ExtractTestSupport.start(arguments + ["--threads", "1"])
        defer { ExtractTestSupport.kill9(first) }
        // The first run holds the lock once it has written its manifest.
        let holding = ExtractTestSupport.wait(for: first) { ExtractTestSupport.committedRows(store) != nil }
        XCTAssertTrue(holding, "the first run ended before it took the lock")

        let second = try runProbe(arguments)
        XCTAssertTrue(first.isRunning, "the first run ended before the second one was refused; nothing was tested")
        XCTAssertNotEqual(second.status, 0, "a second writer got into a locked store")
        XCTAssertTrue(second.stderr.contains("being written by pid \(first.processIdentifier)"),
                      "the message should say the store is locked and by whom: \(second.stderr)")
        XCTAssertTrue(second.stderr.contains(store.path), second.stderr)

        // The holder is killed with SIGKILL: the kernel drops its lock, and the next run takes
        // over, says so, and finishes the store.
        XCTAssertTrue(ExtractTestSupport.kill9(first), "the first run was not killed by SIGKILL")
        let third = try ExtractTestSupport.extractJSON(arguments)
        XCTAssertEqual(third["tookOverStaleLock"] as? Bool, true, "\(third)")
        XCTAssertEqual(third["rows"] as? Int, 100)
        XCTAssertEqual(try StoreManifest.require(directory: store).complete, true)
    }

    func testLockLeftByADeadProcessIsTakenOver() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let data = try ExtractTestSupport.temporaryFolder(self, "lock-data")
        for label in ["cat", "dog"] {
            let source = ExtractTestSupport.petsMini.appendingPathComponent(label)
            let name = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: source.path).filter { $0.hasSuffix(".jpg") }.sorted().first)
            try FileManager.default.createDirectory(at: data.appendingPathComponent(label), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: data.appendingPathComponent("\(label)/\(name)"))
        }

        // A pid that surely belongs to no running process: a child that has exited and been reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let deadPid = child.processIdentifier
        XCTAssertNotEqual(kill(deadPid, 0), 0, "pid \(deadPid) is alive")

        // The lock file as a writer leaves it when it dies holding the lock (StoreLock.Holder as JSON).
        let store = try ExtractTestSupport.temporaryFolder(self, "lock-stale")
        let holderLine = "{\"pid\":\(deadPid),\"host\":\"some-host\",\"since\":\(Int(Date().timeIntervalSince1970) - 60)}\n"
        XCTAssertEqual(try JSONDecoder().decode(StoreLock.Holder.self, from: Data(holderLine.utf8)).pid, deadPid)
        try Data(holderLine.utf8).write(to: store.appendingPathComponent(StoreLock.fileName))

        let summary = try ExtractTestSupport.extractJSON(ExtractTestSupport.extractArguments(data: data, out: store, weights: weights))
        XCTAssertEqual(summary["tookOverStaleLock"] as? Bool, true, "\(summary)")
        XCTAssertEqual(summary["rows"] as? Int, 2)
        // Released at the end: the next writer finds an empty lock file, not a stale one.
        let after = try Data(contentsOf: store.appendingPathComponent(StoreLock.fileName))
        XCTAssertTrue(after.isEmpty, "lock file not cleared on exit: \(String(decoding: after, as: UTF8.self))")
        let again = try ExtractTestSupport.extractJSON(ExtractTestSupport.extractArguments(data: data, out: store, weights: weights))
        XCTAssertEqual(again["tookOverStaleLock"] as? Bool, false)
    }
}
