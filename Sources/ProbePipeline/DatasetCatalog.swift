import Foundation

/// One entry of `datasets.json`: a named dataset that is either a folder shipped with
/// the repository (`local`) or an archive to download and pin by hash (`remote`).
public struct DatasetEntry: Codable, Sendable, Equatable {
    public struct Remote: Codable, Sendable, Equatable {
        public let url: String
        public let sha256: String
        public let bytes: Int?
        /// "zip" or "tar.gz".
        public let archive: String
        /// The folder inside the archive that holds the class folders.
        public let root: String
    }

    public let name: String
    public let description: String
    public let licence: String
    public let classes: [String]
    public let layout: String
    /// A folder relative to the catalogue file's folder.
    public let local: String?
    public let remote: Remote?
}

/// The catalogue of named datasets (`datasets.json` at the repository root).
public struct DatasetCatalog: Sendable {
    public let file: URL
    public let defaultName: String
    public let entries: [DatasetEntry]

    private struct FileFormat: Codable {
        let format_version: Int
        let `default`: String
        let datasets: [DatasetEntry]
    }

    public init(contentsOf file: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw PipelineError("\(file.path): cannot read the dataset catalogue (\(error.localizedDescription))")
        }
        let decoded: FileFormat
        do { decoded = try JSONDecoder().decode(FileFormat.self, from: data) } catch {
            throw PipelineError("\(file.path): not a valid dataset catalogue (\(error))")
        }
        guard decoded.format_version == 1 else {
            throw PipelineError("\(file.path): catalogue format \(decoded.format_version) is newer than this probe understands (1)")
        }
        for entry in decoded.datasets where (entry.local == nil) == (entry.remote == nil) {
            throw PipelineError("\(file.path): dataset '\(entry.name)' must have exactly one of 'local' and 'remote'")
        }
        guard decoded.datasets.contains(where: { $0.name == decoded.default }) else {
            throw PipelineError("\(file.path): the default dataset '\(decoded.default)' is not in the catalogue")
        }
        self.file = file
        self.defaultName = decoded.default
        self.entries = decoded.datasets
    }

    /// Finds `datasets.json`: `$PROBE_DATASETS_JSON`, else the first one in the current
    /// directory or above it, else above the running executable (a build inside the repo).
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws -> DatasetCatalog {
        if let path = environment["PROBE_DATASETS_JSON"] { return try DatasetCatalog(contentsOf: URL(fileURLWithPath: path)) }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        for start in [currentDirectory, executable.deletingLastPathComponent()] {
            var dir = start.standardizedFileURL
            while true {
                let candidate = dir.appendingPathComponent("datasets.json")
                if FileManager.default.fileExists(atPath: candidate.path) { return try DatasetCatalog(contentsOf: candidate) }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        throw PipelineError("datasets.json not found in this folder, above it, or beside probe; set PROBE_DATASETS_JSON")
    }

    public func entry(named name: String) throws -> DatasetEntry {
        guard let entry = entries.first(where: { $0.name == name }) else {
            let known = entries.map(\.name).joined(separator: ", ")
            throw PipelineError("unknown dataset '\(name)' (datasets.json has: \(known))")
        }
        return entry
    }

    /// Where the dataset's class folders are, if they are on this machine.
    public func location(of entry: DatasetEntry, cache: URL) -> URL? {
        if let local = entry.local {
            let url = file.deletingLastPathComponent().appendingPathComponent(local).standardizedFileURL
            return FileManager.default.fileExists(atPath: url.path) ? url : nil
        }
        let url = cachedRoot(of: entry, cache: cache)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// `<cache>/datasets/<name>/<root inside the archive>` for a remote entry.
    public func cachedRoot(of entry: DatasetEntry, cache: URL) -> URL {
        var url = cache.appendingPathComponent("datasets").appendingPathComponent(entry.name)
        if let root = entry.remote?.root { url.appendPathComponent(root) }
        return url
    }
}
