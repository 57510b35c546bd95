import Foundation
import ZIPFoundation
#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
private let systemClose = Glibc.close
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
private let systemClose = Darwin.close
#endif

/// Caps that stop a hostile archive from filling the disk (a "zip bomb").
/// Sizes are counted from the bytes actually written, never from the archive's own claims.
public struct ExtractionLimits: Sendable {
    /// Most bytes all extracted files may add up to.
    public var maxTotalBytes: Int64
    /// Most entries (files, folders, links).
    public var maxEntries: Int
    /// Most extracted bytes per archive byte, once more than `ratioFloorBytes` are out.
    public var maxRatio: Double
    /// Below this many extracted bytes the ratio is not checked (tiny, very compressible archives are fine).
    public var ratioFloorBytes: Int64

    public init(maxTotalBytes: Int64 = 16 << 30, maxEntries: Int = 500_000, maxRatio: Double = 200,
                ratioFloorBytes: Int64 = 4 << 20) {
        self.maxTotalBytes = maxTotalBytes
        self.maxEntries = maxEntries
        self.maxRatio = maxRatio
        self.ratioFloorBytes = ratioFloorBytes
    }
}

/// Archive formats, told apart by their first bytes.
public enum ArchiveKind: String, Sendable {
    case zip, tarGz = "tar.gz", tar
}

/// Extracts zip, tar and tar.gz archives without trusting them.
///
/// Refused, with an error naming the archive and the entry: absolute paths, paths that climb
/// out of the target with `..`, symlinks whose target leaves the target folder, any entry that
/// would be written through a symlink, hard links and device files, and archives that expand
/// beyond `ExtractionLimits`. Files get mode 0644 and folders 0755 whatever the archive says.
/// Everything is extracted into a hidden sibling of `destination` and renamed onto it at the
/// end, so `destination` appears complete or not at all.
public enum ArchiveExtractor {
    public static func kind(of archive: URL) throws -> ArchiveKind {
        guard let handle = try? FileHandle(forReadingFrom: archive) else { throw FetchError("\(archive.path): cannot open") }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 512)) ?? Data())
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .zip }
        if head.starts(with: [0x1F, 0x8B]) { return .tarGz }
        if head.count == 512, Array(head[257..<262]) == Array("ustar".utf8) { return .tar }
        throw FetchError("\(archive.path): not a zip, tar or tar.gz archive")
    }

    /// Extracts `archive` so that its entries appear under `destination`, which must not exist yet.
    public static func extract(_ archive: URL, to destination: URL, limits: ExtractionLimits = ExtractionLimits()) throws {
        let fm = FileManager.default
        guard !fm.fileExists(atPath: destination.path) else { throw FetchError("\(destination.path): already exists") }
        let kind = try kind(of: archive)
        let parent = destination.deletingLastPathComponent()
        try ProbeCache.ensureDirectory(parent)
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(getpid())")
        try? fm.removeItem(at: staging)
        guard mkdir(staging.path, 0o755) == 0 else { throw FetchError("\(staging.path): cannot create folder") }
        let archiveSize = ((try? fm.attributesOfItem(atPath: archive.path)[.size]) as? NSNumber)?.int64Value ?? 0
        let target = ExtractionTarget(root: staging, archive: archive, archiveSize: archiveSize, limits: limits)
        do {
            switch kind {
            case .zip: try extractZip(archive, into: target)
            case .tar: try TarReader.extract(tarFile: archive, into: target)
            case .tarGz:
                let tarFile = parent.appendingPathComponent(".\(destination.lastPathComponent).tar-\(getpid())")
                defer { try? fm.removeItem(at: tarFile) }
                try Gzip.decompress(archive, to: tarFile, target: target)
                try TarReader.extract(tarFile: tarFile, into: target)
            }
            guard rename(staging.path, destination.path) == 0 else {
                throw FetchError("\(destination.path): cannot move the extracted folder into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? fm.removeItem(at: staging)
            throw error
        }
    }

    private static func extractZip(_ url: URL, into target: ExtractionTarget) throws {
        try ZipSizeCheck.check(url)
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw FetchError("\(url.path): not a readable zip archive")
        }
        for entry in archive {
            switch entry.type {
            case .directory:
                try target.makeDirectory(entry.path)
            case .file:
                let file = try target.createFile(entry.path)
                do {
                    _ = try archive.extract(entry, bufferSize: 1 << 16, skipCRC32: false) { data in try file.write(data) }
                    try file.close()
                } catch let error as FetchError {
                    file.abandon(); throw error
                } catch {
                    file.abandon(); throw FetchError("\(url.path): entry '\(entry.path)' is corrupt")
                }
            case .symlink:
                var linkTarget = Data()
                do {
                    _ = try archive.extract(entry, bufferSize: 4096, skipCRC32: false) { data in
                        linkTarget.append(data)
                        if linkTarget.count > 4096 { throw FetchError("\(url.path): symlink '\(entry.path)' target is too long") }
                    }
                } catch let error as FetchError { throw error } catch {
                    throw FetchError("\(url.path): entry '\(entry.path)' is corrupt")
                }
                try target.makeSymlink(entry.path, pointingTo: String(decoding: linkTarget, as: UTF8.self))
            }
        }
    }
}

/// The staging folder an extraction writes into, and the rules every entry must pass.
final class ExtractionTarget {
    let root: URL
    let archive: URL
    let archiveSize: Int64
    let limits: ExtractionLimits
    private(set) var totalBytes: Int64 = 0
    private var entries = 0

    init(root: URL, archive: URL, archiveSize: Int64, limits: ExtractionLimits) {
        self.root = root
        self.archive = archive
        self.archiveSize = archiveSize
        self.limits = limits
    }

    func refuse(_ entry: String, _ reason: String) -> FetchError {
        FetchError("\(archive.path): refusing entry '\(entry)': \(reason)")
    }

    /// Counts `count` more extracted bytes against the limits.
    func account(_ count: Int, entry: String) throws {
        totalBytes += Int64(count)
        if totalBytes > limits.maxTotalBytes {
            throw refuse(entry, "the archive expands past \(limits.maxTotalBytes) bytes (possible zip bomb)")
        }
        if totalBytes > limits.ratioFloorBytes, Double(totalBytes) > limits.maxRatio * Double(max(archiveSize, 1)) {
            throw refuse(entry, "the archive expands more than \(Int(limits.maxRatio))x its size (possible zip bomb)")
        }
    }

    /// The entry's path as safe components under the root: no absolute paths, no escaping `..`.
    func components(_ path: String) throws -> [String] {
        guard !path.isEmpty else { throw refuse(path, "empty name") }
        guard !path.hasPrefix("/") else { throw refuse(path, "absolute path") }
        guard !path.contains("\\"), !path.contains("\0") else { throw refuse(path, "backslash or NUL in the name") }
        var parts: [String] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                guard !parts.isEmpty else { throw refuse(path, "path leads outside the target folder") }
                parts.removeLast()
            } else {
                parts.append(String(part))
            }
        }
        guard !parts.isEmpty else { throw refuse(path, "names the target folder itself") }
        return parts
    }

    private func countEntry(_ path: String) throws {
        entries += 1
        guard entries <= limits.maxEntries else { throw refuse(path, "more than \(limits.maxEntries) entries") }
    }

    /// Creates (or checks) every folder along `parts`, refusing to pass through a symlink or a file.
    private func ensureFolders(_ parts: ArraySlice<String>, entry: String) throws {
        var path = root.path
        for part in parts {
            path += "/" + part
            var info = stat()
            if lstat(path, &info) == 0 {
                if (info.st_mode & S_IFMT) == S_IFLNK { throw refuse(entry, "would be written through a symlink") }
                guard (info.st_mode & S_IFMT) == S_IFDIR else { throw refuse(entry, "a parent is a file") }
            } else if mkdir(path, 0o755) != 0 {
                throw refuse(entry, "cannot create folder: \(String(cString: strerror(errno)))")
            }
        }
    }

    func makeDirectory(_ path: String) throws {
        try countEntry(path)
        let parts = try components(path)
        try ensureFolders(parts[...], entry: path)
    }

    func createFile(_ path: String) throws -> ExtractedFile {
        try countEntry(path)
        let parts = try components(path)
        try ensureFolders(parts.dropLast(), entry: path)
        let full = root.path + "/" + parts.joined(separator: "/")
        // O_EXCL|O_NOFOLLOW: never reuse an existing file or follow a link planted at the leaf.
        let fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            throw refuse(path, errno == EEXIST ? "appears twice or collides with a link" : "cannot create: \(String(cString: strerror(errno)))")
        }
        return ExtractedFile(fd: fd, path: full, entry: path, target: self)
    }

    func makeSymlink(_ path: String, pointingTo linkTarget: String) throws {
        try countEntry(path)
        let parts = try components(path)
        guard !linkTarget.isEmpty, !linkTarget.hasPrefix("/") else { throw refuse(path, "symlink to an absolute path '\(linkTarget)'") }
        // Resolve the target relative to the link's folder; it must stay inside the root.
        var resolved = Array(parts.dropLast())
        for part in linkTarget.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                guard !resolved.isEmpty else { throw refuse(path, "symlink escapes the target folder ('\(linkTarget)')") }
                resolved.removeLast()
            } else {
                resolved.append(String(part))
            }
        }
        try ensureFolders(parts.dropLast(), entry: path)
        let full = root.path + "/" + parts.joined(separator: "/")
        guard symlink(linkTarget, full) == 0 else {
            throw refuse(path, errno == EEXIST ? "appears twice" : "cannot create symlink: \(String(cString: strerror(errno)))")
        }
    }
}

/// One file being written by an extraction; every write is counted against the limits.
final class ExtractedFile {
    private var fd: Int32
    let path: String
    let entry: String
    unowned let target: ExtractionTarget

    init(fd: Int32, path: String, entry: String, target: ExtractionTarget) {
        self.fd = fd
        self.path = path
        self.entry = entry
        self.target = target
    }

    func write(_ data: Data) throws {
        try target.account(data.count, entry: entry)
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                // Not the archive's fault (a full disk, most often): name the file being written.
                guard n > 0 else { throw FetchError("\(path): cannot write while unpacking \(target.archive.lastPathComponent) (\(String(cString: strerror(errno))))") }
                offset += n
            }
        }
    }

    func close() throws {
        guard fd >= 0 else { return }
        let result = systemClose(fd)
        fd = -1
        guard result == 0 else { throw FetchError("\(path): cannot write while unpacking \(target.archive.lastPathComponent) (\(String(cString: strerror(errno))))") }
    }

    func abandon() {
        if fd >= 0 { _ = systemClose(fd); fd = -1 }
    }

    deinit { abandon() }
}
