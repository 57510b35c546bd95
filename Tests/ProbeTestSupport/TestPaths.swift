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

/// Thrown instead of `XCTSkip` when something the README's test command provides is missing
/// (scripts/setup installs the packages, scripts/test builds `probe` and fetches the Lite0 weights,
/// CI keeps the shared photo sets beside the clone): the test fails and says what to run, so a
/// machine cannot pass by testing less.
public struct MissingPrerequisite: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = "missing prerequisite: " + description }
}

extension TestPaths {
    /// A python3 with numpy: `$PROBE_REFERENCE_PYTHON`, else Debian's (scripts/setup installs python3-numpy).
    public static var numpyPython: String {
        ProcessInfo.processInfo.environment["PROBE_REFERENCE_PYTHON"] ?? "/usr/bin/python3"
    }
}
