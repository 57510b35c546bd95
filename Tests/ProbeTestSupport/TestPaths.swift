import Foundation

/// Where tests find the repository, its committed fixtures and the shared photo sets.
public enum TestPaths {
    /// The repository root (the folder holding Package.swift).
    public static let repoRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// Committed test fixtures: `Tests/Fixtures/<relative>`.
    public static func fixture(_ relative: String) -> URL {
        repoRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative)
    }

    /// `../shared/datasets` beside the clone, or `$PROBE_SHARED_DATASETS`.
    public static var sharedDatasets: URL {
        if let env = ProcessInfo.processInfo.environment["PROBE_SHARED_DATASETS"] { return URL(fileURLWithPath: env) }
        return repoRoot.deletingLastPathComponent().appendingPathComponent("shared/datasets")
    }

    /// The release-built `probe` binary that end-to-end tests run (`swift build -c release` first; scripts/test does it).
    public static var probeBinary: URL {
        if let env = ProcessInfo.processInfo.environment["PROBE_BINARY"] { return URL(fileURLWithPath: env) }
        return repoRoot.appendingPathComponent(".build/release/probe")
    }
}
