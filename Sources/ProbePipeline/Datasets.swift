import Foundation
import ProbeFetch
import ProbeImages
import ProbeStore

/// Dataset look-ups for the commands: which folder to read, what the catalogue holds,
/// and fetching a remote entry into the cache.
public enum Datasets {
    /// The folder to extract from: `--data DIR`, `--dataset NAME`, or the catalogue's default.
    public static func resolveRoot(data: String?, dataset: String?, cache: ProbeCache = .default) throws -> URL {
        if let data { return URL(fileURLWithPath: data) }
        let catalog = try DatasetCatalog.locate()
        let entry = try catalog.entry(named: dataset ?? catalog.defaultName)
        guard let root = catalog.location(of: entry, cache: cache.root) else {
            throw PipelineError("dataset '\(entry.name)' is not on this machine: run `probe datasets fetch \(entry.name)` first")
        }
        return root
    }

    /// Parses `--part I/N`.
    public static func parsePart(_ text: String) throws -> StorePart {
        try StorePart(parsing: text)
    }

    public struct ListRow: Sendable {
        public let name: String
        public let isDefault: Bool
        public let classes: Int
        /// Images found on this machine (nil when the dataset is not here).
        public let images: Int?
        /// "local data/pets-mini", "cached", or "remote (228.8 MB)".
        public let whereabouts: String
    }

    public static func list(_ catalog: DatasetCatalog, cache: ProbeCache = .default) -> [ListRow] {
        catalog.entries.map { entry in
            let root = catalog.location(of: entry, cache: cache.root)
            let images = root.flatMap { try? DatasetScanner.scan($0).items.count }
            let whereabouts: String
            if let local = entry.local {
                whereabouts = root == nil ? "missing: \(local)" : "local \(local)"
            } else if let root {
                whereabouts = "cached \(root.path)"
            } else {
                let size = entry.remote?.bytes.map { String(format: " (%.1f MB)", Double($0) / 1e6) } ?? ""
                whereabouts = "remote\(size): probe datasets fetch \(entry.name)"
            }
            return ListRow(name: entry.name, isDefault: entry.name == catalog.defaultName, classes: entry.classes.count,
                           images: images, whereabouts: whereabouts)
        }
    }

    /// Downloads (resuming a partial download), checks the pinned sha256, unpacks safely
    /// into a temporary folder and moves it into `<cache>/datasets/<name>` in one rename.
    /// Returns the folder holding the class folders.
    public static func fetch(_ entry: DatasetEntry, catalog: DatasetCatalog, cache: ProbeCache = .default,
                             downloader: Downloader = Downloader(), log: (String) -> Void = { _ in }) throws -> URL {
        if let root = catalog.location(of: entry, cache: cache.root) { return root }
        guard let remote = entry.remote else {
            throw PipelineError("dataset '\(entry.name)' is local (\(entry.local ?? "")) but its folder is missing")
        }
        guard let url = URL(string: remote.url) else { throw PipelineError("dataset '\(entry.name)': bad url \(remote.url)") }
        let datasets = cache.root.appendingPathComponent("datasets")
        let downloads = cache.root.appendingPathComponent("downloads")
        try ProbeCache.ensureDirectory(datasets)
        try ProbeCache.ensureDirectory(downloads)
        let archive = downloads.appendingPathComponent("\(entry.name).\(remote.archive)")
        log("fetching \(entry.name) from \(remote.url)")
        _ = try downloader.download(url, to: archive, sha256: remote.sha256)
        let staging = datasets.appendingPathComponent(".\(entry.name).partial-\(getpid())")
        try? FileManager.default.removeItem(at: staging)
        defer { try? FileManager.default.removeItem(at: staging) }
        log("unpacking \(archive.lastPathComponent)")
        try ArchiveExtractor.extract(archive, to: staging)
        let root = staging.appendingPathComponent(remote.root)
        guard FileManager.default.fileExists(atPath: root.path) else {
            throw PipelineError("\(archive.path): the archive has no folder '\(remote.root)'")
        }
        let final = datasets.appendingPathComponent(entry.name)
        try FileManager.default.moveItem(at: staging, to: final)
        try? FileManager.default.removeItem(at: archive)
        return catalog.cachedRoot(of: entry, cache: cache.root)
    }
}
