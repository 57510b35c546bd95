import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The writer lock of a store folder: `DIR/writer.lock`, held with `flock(2)`.
///
/// The kernel drops an flock when its holder exits for any reason, `kill -9` included, so
/// a lock left behind by a dead process is simply free: the next writer takes it over
/// without guessing from pids. The file holds the holder's pid, host and start time only
/// to name it in the error a second writer gets. (flock works across machines on NFSv4
/// and on Lustre/GPFS mounted with flock support; see docs/slurm.md.)
public final class StoreLock {
    public static let fileName = "writer.lock"

    /// Who held the lock before, when it was left behind by a process that ended without releasing it.
    public struct Holder: Codable, Equatable, Sendable {
        public var pid: Int32
        public var host: String
        /// Seconds since the Unix epoch.
        public var since: Double
    }

    public let url: URL
    /// The previous holder, when this lock was taken over from a process that died holding it.
    public let tookOverFrom: Holder?
    private var file: FileDescriptor?

    /// Takes the lock of `directory` (which must exist) or throws `.locked` naming the holder.
    public init(directory: URL) throws {
        url = directory.appendingPathComponent(Self.fileName)
        let file = try FileDescriptor(path: url.path, flags: O_RDWR | O_CREAT)
        if flock(file.fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let holder = Self.readHolder(file)
            file.close()
            guard code == EWOULDBLOCK else {
                throw StoreError(.io, "\(url.path): cannot lock (\(errnoText(code)))")
            }
            let who = holder.map { "pid \($0.pid) on \($0.host)" } ?? "another process"
            throw StoreError(.locked, "\(directory.path): store is being written by \(who); wait for it to finish or stop it (the lock frees itself when that process ends)")
        }
        // A holder that released normally leaves the file empty; content means it died holding it.
        tookOverFrom = Self.readHolder(file)
        let me = Holder(pid: getpid(), host: Self.hostName(), since: Date().timeIntervalSince1970)
        var data = (try? JSONEncoder().encode(me)) ?? Data()
        data.append(0x0A)
        guard ftruncate(file.fd, 0) == 0 else { throw StoreError(.io, "\(url.path): cannot write lock (\(errnoText()))") }
        try data.withUnsafeBytes { try file.write($0, at: 0) }
        self.file = file
    }

    /// Takes the lock of a store that is only read but must not change meanwhile (a merge
    /// input). Returns nil for a folder this process cannot write to: no lock file can be
    /// made there, and no writer running as this user can be changing it.
    public static func forReading(directory: URL) throws -> StoreLock? {
        guard access(directory.path, W_OK) == 0 else { return nil }
        return try StoreLock(directory: directory)
    }

    /// Releases the lock (also done on deinit). The file stays: deleting a lock file races
    /// with a process that has just opened it.
    public func release() {
        guard let file else { return }
        _ = ftruncate(file.fd, 0)
        _ = flock(file.fd, LOCK_UN)
        file.close()
        self.file = nil
    }

    public var isHeld: Bool { file != nil }

    deinit { release() }

    /// gethostname(2) directly: Foundation's hostName may wait on a DNS lookup.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown-host" }
        return String(cString: buffer)
    }

    private static func readHolder(_ file: FileDescriptor) -> Holder? {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        guard let n = try? file.read(into: buffer, at: 0), n > 0 else { return nil }
        return try? JSONDecoder().decode(Holder.self, from: Data(buffer[0..<n]))
    }
}
