import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Thin POSIX wrappers. The store needs fsync, rename and file descriptors it controls,
// which Foundation's Data.write(options: .atomic) does not give (it does not sync).

func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

/// An open file descriptor, closed when released.
final class FileDescriptor {
    let fd: Int32
    let path: String
    private var isOpen = true

    init(path: String, flags: Int32, mode: mode_t = 0o644) throws {
        let fd = open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw StoreError(.io, "\(path): cannot open (\(errnoText()))") }
        self.fd = fd
        self.path = path
    }

    static func create(_ url: URL) throws -> FileDescriptor {
        try FileDescriptor(path: url.path, flags: O_WRONLY | O_CREAT | O_TRUNC)
    }

    static func openForReading(_ url: URL) throws -> FileDescriptor {
        try FileDescriptor(path: url.path, flags: O_RDONLY)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError(.io, "\(path): cannot write (\(errnoText()))")
            }
            offset += n
        }
    }

    func write(_ data: Data) throws { try data.withUnsafeBytes { try write($0) } }
    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    func write(_ bytes: UnsafeRawBufferPointer, at position: Int) throws {
        var offset = 0
        while offset < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + offset, bytes.count - offset, off_t(position + offset))
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError(.io, "\(path): cannot write (\(errnoText()))")
            }
            offset += n
        }
    }

    /// Reads up to `count` bytes at `position`; fewer only at the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer, at position: Int) throws -> Int {
        var offset = 0
        while offset < buffer.count {
            let n = pread(fd, buffer.baseAddress! + offset, buffer.count - offset, off_t(position + offset))
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError(.io, "\(path): cannot read (\(errnoText()))")
            }
            if n == 0 { break }
            offset += n
        }
        return offset
    }

    func sync() throws {
        guard fsync(fd) == 0 else { throw StoreError(.io, "\(path): cannot sync to disk (\(errnoText()))") }
    }

    func size() throws -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw StoreError(.io, "\(path): cannot stat (\(errnoText()))") }
        return Int(info.st_size)
    }

    func close() {
        if isOpen {
            _ = Glibc.close(fd)
            isOpen = false
        }
    }

    deinit { close() }
}

/// Makes a rename or unlink in `directory` durable.
func syncDirectory(_ directory: URL) throws {
    let fd = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw StoreError(.io, "\(directory.path): cannot open folder to sync (\(errnoText()))") }
    defer { _ = close(fd) }
    guard fsync(fd) == 0 else { throw StoreError(.io, "\(directory.path): cannot sync folder (\(errnoText()))") }
}

func renameFile(_ from: URL, to: URL) throws {
    guard rename(from.path, to.path) == 0 else {
        throw StoreError(.io, "\(from.path): cannot rename to \(to.lastPathComponent) (\(errnoText()))")
    }
}

/// Removes a file if it exists.
func removeFile(_ url: URL) throws {
    if unlink(url.path) != 0 && errno != ENOENT {
        throw StoreError(.io, "\(url.path): cannot remove (\(errnoText()))")
    }
}

/// Replaces `url` with `data` so that a reader, or a machine that loses power, sees either
/// the old file or the new one, never a mix: write a temporary file, sync it, rename it
/// over the target, sync the folder.
func writeFileAtomically(_ data: Data, to url: URL) throws {
    let temporary = URL(fileURLWithPath: url.path + ShardFileNames.partialSuffix)
    let file = try FileDescriptor.create(temporary)
    do {
        try file.write(data)
        try file.sync()
        file.close()
        try renameFile(temporary, to: url)
    } catch {
        file.close()
        try? removeFile(temporary)
        throw error
    }
    try syncDirectory(url.deletingLastPathComponent())
}

func fileSize(_ url: URL) -> Int? {
    var info = stat()
    guard stat(url.path, &info) == 0 else { return nil }
    return Int(info.st_size)
}

/// The file names in a folder (not recursive); empty if the folder does not exist.
func directoryEntries(_ directory: URL) throws -> [String] {
    guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
    do { return try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
        throw StoreError(.io, "\(directory.path): cannot list folder (\(error.localizedDescription))")
    }
}

func createDirectory(_ directory: URL) throws {
    do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
        throw StoreError(.io, "\(directory.path): cannot create folder (\(error.localizedDescription))")
    }
}
