import Foundation
import ProbeCore

/// The result of scanning a dataset folder: classes, labelled images, what was left out.
public struct ImageDataset: Sendable {
    public let root: URL
    /// Class names in byte-wise sorted order; a class's label is its index here.
    public let classes: [String]
    /// Images in class order, then byte-wise sorted relative-path order, with the size and mtime
    /// their one stat gave (no sha256: the extractor hashes the bytes it decodes).
    public let items: [DatasetFile]
    /// Files inside class folders that are not taken, with the reason (hidden files are not listed).
    public let skipped: [SkippedFile]
    /// Non-fatal problems, one line each (e.g. a class folder with no images).
    public let warnings: [String]

    public init(root: URL, classes: [String], items: [DatasetFile], skipped: [SkippedFile], warnings: [String]) {
        self.root = root
        self.classes = classes
        self.items = items
        self.skipped = skipped
        self.warnings = warnings
    }

    /// Where an item or skipped file lies.
    public func url(of path: String) -> URL { root.appendingPathComponent(path) }

    /// Number of images per class, indexed like `classes`.
    public var countsPerClass: [Int] {
        var counts = [Int](repeating: 0, count: classes.count)
        for item in items { counts[item.label] += 1 }
        return counts
    }
}

/// Turns a folder laid out as `root/<class>/**/<image>` into an `ImageDataset`.
///
/// Rules (the same on every machine):
/// - Every immediate, non-hidden subfolder of `root` is a class (symbolic links to folders count);
///   plain files at the root are ignored. Classes are sorted by the bytes of their UTF-8 names,
///   which is what torchvision `ImageFolder` and Keras `image_dataset_from_directory` do for ASCII.
/// - Inside a class, files are found recursively (the label stays the class) and sorted by the bytes
///   of their relative path. Names starting with `.` (files and folders) are ignored silently.
/// - Files with an image extension (`imageExtensions`, any case: JPEG, PNG, BMP, GIF, WebP, TIFF,
///   PPM/PGM/PBM) are taken; the format is later detected from the bytes, so a PNG named `.jpg`
///   still decodes. Other files are listed in `skipped`.
/// - Symbolic links are followed; a link back to a folder already on the current path (a loop) and
///   a dangling link are listed in `skipped` instead of being followed.
public enum DatasetScanner {
    /// File name extensions taken as images (lower-case, without the dot).
    public static let imageExtensions: Set<String> = [
        "jpg", "jpeg", "png", "bmp", "gif", "webp", "tif", "tiff", "ppm", "pgm", "pbm", "pnm",
    ]

    /// The extensions as a user reads them, in `imageExtensions`'s order of formats.
    public static let imageExtensionList = ".jpg, .jpeg, .png, .bmp, .gif, .webp, .tif, .tiff, .ppm, .pgm, .pbm or .pnm"

    public static func scan(_ root: URL) throws -> ImageDataset {
        let root = root.standardizedFileURL
        let rootPath = root.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: rootPath, isDirectory: &isDirectory) else {
            throw ImageError(file: rootPath, reason: "dataset folder not found")
        }
        guard isDirectory.boolValue else {
            throw ImageError(file: rootPath, reason: "not a folder (expected one subfolder per class)")
        }
        let rootEntries: [String]
        do {
            rootEntries = try FileManager.default.contentsOfDirectory(atPath: rootPath)
        } catch {
            throw ImageError(file: rootPath, reason: "cannot list folder (\(error.localizedDescription))")
        }
        let classes = rootEntries
            .filter { !$0.hasPrefix(".") && status(of: rootPath + "/" + $0).kind == .directory }
            .sorted(by: byteWiseLess)
        guard !classes.isEmpty else {
            throw ImageError(file: rootPath, reason: "no class folders (expected one subfolder per class, e.g. \(rootPath)/cat/)")
        }

        var items: [DatasetFile] = []
        var skipped: [SkippedFile] = []
        var warnings: [String] = []
        let rootIdentity = status(of: rootPath).identity
        for (label, className) in classes.enumerated() {
            var found: [Found] = []
            var ancestors: Set<FileIdentity> = rootIdentity.map { [$0] } ?? []
            walk(folder: rootPath + "/" + className, relative: className, ancestors: &ancestors, into: &found)
            found.sort { byteWiseLess($0.relative, $1.relative) }
            var imageCount = 0
            for entry in found {
                if let reason = entry.reason {
                    skipped.append(SkippedFile(path: entry.relative, reason: reason, size: entry.size, mtimeNanoseconds: entry.mtime))
                } else {
                    items.append(DatasetFile(path: entry.relative, label: label, size: entry.size, mtimeNanoseconds: entry.mtime))
                    imageCount += 1
                }
            }
            if imageCount == 0 { warnings.append("class '\(className)' has no images") }
        }
        return ImageDataset(root: root, classes: classes, items: items, skipped: skipped, warnings: warnings)
    }

    /// Every image below `folder`, recursively, for labelling (`probe predict`): no classes, every
    /// item's label 0, and otherwise the rules of `scan` (image extensions, hidden names ignored,
    /// links followed unless they loop or dangle, each file left out listed with its reason), so a
    /// folder predicts exactly the files it would extract. Paths are relative to `folder`.
    public static func scanImages(below folder: URL) throws -> ImageDataset {
        let root = folder.standardizedFileURL
        let status = status(of: root.path)
        guard status.kind != .dangling, status.kind != .loop else { throw ImageError(file: root.path, reason: "folder not found") }
        guard status.kind == .directory else { throw ImageError(file: root.path, reason: "not a folder") }
        var found: [Found] = []
        var ancestors: Set<FileIdentity> = []
        walk(folder: root.path, relative: "", ancestors: &ancestors, into: &found, status: status)
        found.sort { byteWiseLess($0.relative, $1.relative) }
        var items: [DatasetFile] = []
        var skipped: [SkippedFile] = []
        for entry in found {
            if let reason = entry.reason, entry.relative.isEmpty {
                throw ImageError(file: root.path, reason: reason)  // the folder itself cannot be listed
            } else if let reason = entry.reason {
                skipped.append(SkippedFile(path: entry.relative, reason: reason, size: entry.size, mtimeNanoseconds: entry.mtime))
            } else {
                items.append(DatasetFile(path: entry.relative, label: 0, size: entry.size, mtimeNanoseconds: entry.mtime))
            }
        }
        return ImageDataset(root: root, classes: [], items: items, skipped: skipped, warnings: [])
    }

    /// Whether `name` has one of the image extensions (case-insensitive).
    public static func hasImageExtension(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        return imageExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    /// Byte-wise order of the UTF-8 encodings (not Swift's Unicode-aware `<`).
    public static func byteWiseLess(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    private enum Kind { case file, directory, other, dangling, loop }

    private struct FileIdentity: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    /// What one stat(2) of an entry tells: its kind, size and mtime (0 when stat fails), and identity.
    private struct Status {
        var kind: Kind
        var size: Int64 = 0, mtime: Int64 = 0
        var identity: FileIdentity?
    }

    /// A walked entry: an image (`reason` nil) or a file left out, with what its stat gave.
    private struct Found {
        let relative: String, reason: String?, size: Int64, mtime: Int64
        init(_ relative: String, _ reason: String?, _ status: Status) {
            self.relative = relative; self.reason = reason; size = status.size; mtime = status.mtime
        }
    }

    private static func status(of path: String) -> Status {
        var info = stat()
        if stat(path, &info) != 0 { return Status(kind: errno == ELOOP ? .loop : .dangling) }
        let kind: Kind
        switch info.st_mode & S_IFMT {
        case S_IFDIR: kind = .directory
        case S_IFREG: kind = .file
        default: kind = .other
        }
        return Status(kind: kind, size: Int64(info.st_size),
                      mtime: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
                      identity: FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }

    /// Depth-first walk; `ancestors` holds the folders on the current path so a symbolic link
    /// that points back up the tree is reported instead of followed forever.
    private static func walk(folder: String, relative: String, ancestors: inout Set<FileIdentity>, into found: inout [Found],
                             status folderStatus: Status? = nil) {
        let folderStatus = folderStatus ?? status(of: folder)
        guard let folderIdentity = folderStatus.identity else { return }
        ancestors.insert(folderIdentity)
        defer { ancestors.remove(folderIdentity) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            found.append(Found(relative, "cannot list folder (\(error.localizedDescription))", folderStatus))
            return
        }
        for name in names where !name.hasPrefix(".") {
            let path = folder + "/" + name
            let childRelative = relative.isEmpty ? name : relative + "/" + name
            let child = status(of: path)
            switch child.kind {
            case .directory:
                if let identity = child.identity, ancestors.contains(identity) {
                    found.append(Found(childRelative, "symbolic link loop (points back to a folder above it), not followed", child))
                } else {
                    walk(folder: path, relative: childRelative, ancestors: &ancestors, into: &found, status: child)
                }
            case .file:
                if hasImageExtension(name) {
                    found.append(Found(childRelative, nil, child))
                } else {
                    let ext = name.lastIndex(of: ".").map { String(name[$0...]) } ?? "(none)"
                    found.append(Found(childRelative, "unsupported file type '\(ext)' (expected \(imageExtensionList))", child))
                }
            case .loop:
                found.append(Found(childRelative, "symbolic link loop, not followed", child))
            case .dangling:
                found.append(Found(childRelative, "broken symbolic link or unreadable entry", child))
            case .other:
                found.append(Found(childRelative, "not a regular file", child))
            }
        }
    }
}
