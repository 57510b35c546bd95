import Foundation
import ProbeStore
import XCTest
import ProbeTestSupport

/// One writer per store folder; a lock left by a dead process does not block the next run.
final class StoreLockTests: XCTestCase {
    func testSecondWriterIsRefusedNamingTheFirst() throws {
        let dir = try makeTemporaryDirectory(self)
        let first = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses)
        XCTAssertThrowsStoreError(.locked, try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses),
                                  containing: "pid \(ProcessInfo.processInfo.processIdentifier)")
        try first.finish()
        let second = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses)
        XCTAssertNil(second.tookOverStaleLock, "a lock released normally is not stale")
        second.close()
    }

    func testMergeWaitsForNoOneButRefusesAnInputBeingWritten() throws {
        let input = try makeTemporaryDirectory(self)
        let writer = try StoreWriter(directory: input, identity: testIdentity(), classes: testClasses)
        let output = try makeTemporaryDirectory(self).appendingPathComponent("out")
        XCTAssertThrowsStoreError(.locked, try StoreMerger.merge(inputs: [input], into: output))
        try writer.finish()  // (a writer closed without finish leaves an unfinished store, which merge refuses)
        XCTAssertNoThrow(try StoreMerger.merge(inputs: [input], into: output))
    }

    /// A real process holds the lock (a shell taking the same kernel flock with flock(1) on
    /// an inherited descriptor, then becoming `sleep`), is killed with SIGKILL, and the next
    /// writer takes over, reporting whom it took over from.
    func testLockOfAProcessKilledWithSIGKILLIsTakenOver() throws {
        let flockTool = "/usr/bin/flock"
        guard FileManager.default.isExecutableFile(atPath: flockTool) else { throw MissingPrerequisite("no \(flockTool)") }
        let dir = try makeTemporaryDirectory(self)
        let lockURL = dir.appendingPathComponent(StoreLock.fileName)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/sh")
        // exec keeps one pid from the shell to sleep, so the process killed is the one holding descriptor 9.
        holder.arguments = ["-c", "exec 9>>\"$0\"; \(flockTool) --exclusive 9; echo locked; exec sleep 600", lockURL.path]
        let out = Pipe()
        holder.standardOutput = out
        try holder.run()
        addTeardownBlock { if holder.isRunning { kill(holder.processIdentifier, SIGKILL) } }
        // "locked" is printed only once flock(1) holds the lock.
        XCTAssertEqual(String(decoding: out.fileHandleForReading.availableData, as: UTF8.self), "locked\n")
        // Write what a Probe writer would have recorded about itself.
        let record = "{\"pid\":\(holder.processIdentifier),\"host\":\"node-7\",\"since\":1700000000}\n"
        try Data(record.utf8).write(to: lockURL)

        XCTAssertThrowsStoreError(.locked, try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses),
                                  containing: "pid \(holder.processIdentifier) on node-7")
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()

        let writer = try StoreWriter(directory: dir, identity: testIdentity(), classes: testClasses)
        XCTAssertEqual(writer.tookOverStaleLock?.pid, holder.processIdentifier)
        XCTAssertEqual(writer.tookOverStaleLock?.host, "node-7")
        try writer.finish()
    }

    func testLockFileLeftByADeadWriterDoesNotBlock() throws {
        let dir = try makeTemporaryDirectory(self)
        // pid 2^22 + 1 is above Linux's pid_max default: no such process. No one holds the flock.
        try Data("{\"pid\":4194305,\"host\":\"gone\",\"since\":1}\n".utf8).write(to: dir.appendingPathComponent(StoreLock.fileName))
        let lock = try StoreLock(directory: dir)
        XCTAssertEqual(lock.tookOverFrom?.pid, 4194305)
        lock.release()
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent(StoreLock.fileName)).count, 0, "released locks leave no holder")
    }
}
