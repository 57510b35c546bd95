import Foundation

/// One image of a dataset and its label.
public struct ImageItem: Sendable, Hashable {
    /// Path relative to the dataset root, `/`-separated, e.g. `cat/cat.1.jpg`.
    public let relativePath: String
    /// Index of the class in `ImageDataset.classes`.
    public let label: Int
    /// Absolute location of the file.
    public let url: URL

    public init(relativePath: String, label: Int, url: URL) {
        self.relativePath = relativePath
        self.label = label
        self.url = url
    }
}

/// A file inside a class folder that the scan leaves out, and why.
public struct SkippedFile: Sendable, Hashable {
    public let relativePath: String
    public let reason: String

    public init(relativePath: String, reason: String) {
        self.relativePath = relativePath
        self.reason = reason
    }
}

/// The result of scanning a dataset folder: classes, labelled images, what was left out.
public struct ImageDataset: Sendable {
    public let root: URL
    /// Class names in byte-wise sorted order; a class's label is its index here.
    public let classes: [String]
    /// Images in class order, then byte-wise sorted relative-path order.
    public let items: [ImageItem]
    /// Files inside class folders that are not taken, with the reason (hidden files are not listed).
    public let skipped: [SkippedFile]
    /// Non-fatal problems, one line each (e.g. a class folder with no images).
    public let warnings: [String]

    public init(root: URL, classes: [String], items: [ImageItem], skipped: [SkippedFile], warnings: [String]) {
        self.root = root
        self.classes = classes
        self.items = items
        self.skipped = skipped
        self.warnings = warnings
    }

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
            .filter { !$0.hasPrefix(".") && kind(of: rootPath + "/" + $0) == .directory }
            .sorted(by: byteWiseLess)
        guard !classes.isEmpty else {
            throw ImageError(file: rootPath, reason: "no class folders (expected one subfolder per class, e.g. \(rootPath)/cat/)")
        }

        var items: [ImageItem] = []
        var skipped: [SkippedFile] = []
        var warnings: [String] = []
        let rootIdentity = identity(of: rootPath)
        for (label, className) in classes.enumerated() {
            var found: [(relative: String, reason: String?)] = []
            var ancestors: Set<FileIdentity> = rootIdentity.map { [$0] } ?? []
            walk(folder: rootPath + "/" + className, relative: className, ancestors: &ancestors, into: &found)
            found.sort { byteWiseLess($0.relative, $1.relative) }
            var imageCount = 0
            for entry in found {
                if let reason = entry.reason {
                    skipped.append(SkippedFile(relativePath: entry.relative, reason: reason))
                } else {
                    items.append(ImageItem(relativePath: entry.relative, label: label,
                                           url: root.appendingPathComponent(entry.relative)))
                    imageCount += 1
                }
            }
            if imageCount == 0 { warnings.append("class '\(className)' has no images") }
        }
        return ImageDataset(root: root, classes: classes, items: items, skipped: skipped, warnings: warnings)
    }

    /// Whether `name` has one of the image extensions (case-insensitive).
    public static func hasImageExtension(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        return imageExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    /// Byte-wise order of the UTF-8 encodings (not Swift's Unicode-aware `<`).
    static func byteWiseLess(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    private enum Kind { case file, directory, other, dangling, loop }

    private struct FileIdentity: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    private static func kind(of path: String) -> Kind {
        var info = stat()
        if stat(path, &info) != 0 {
            return errno == ELOOP ? .loop : .dangling
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        default: return .other
        }
    }

    private static func identity(of path: String) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Depth-first walk; `ancestors` holds the folders on the current path so a symbolic link
    /// that points back up the tree is reported instead of followed forever.
    private static func walk(folder: String, relative: String, ancestors: inout Set<FileIdentity>,
                             into found: inout [(relative: String, reason: String?)]) {
        guard let folderIdentity = identity(of: folder) else { return }
        ancestors.insert(folderIdentity)
        defer { ancestors.remove(folderIdentity) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            found.append((relative, "cannot list folder (\(error.localizedDescription))"))
            return
        }
        for name in names where !name.hasPrefix(".") {
            let path = folder + "/" + name
            let childRelative = relative + "/" + name
            switch kind(of: path) {
            case .directory:
                if let child = identity(of: path), ancestors.contains(child) {
                    found.append((childRelative, "symbolic link loop (points back to a folder above it), not followed"))
                } else {
                    walk(folder: path, relative: childRelative, ancestors: &ancestors, into: &found)
                }
            case .file:
                if hasImageExtension(name) {
                    found.append((childRelative, nil))
                } else {
                    let ext = name.lastIndex(of: ".").map { String(name[$0...]) } ?? "(none)"
                    found.append((childRelative, "unsupported file type '\(ext)' (expected \(imageExtensionList))"))
                }
            case .loop:
                found.append((childRelative, "symbolic link loop, not followed"))
            case .dangling:
                found.append((childRelative, "broken symbolic link or unreadable entry"))
            case .other:
                found.append((childRelative, "not a regular file"))
            }
        }
    }
}
