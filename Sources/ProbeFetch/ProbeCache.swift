import Foundation

/// Where Probe keeps downloaded weights and datasets: `$XDG_CACHE_HOME/probe`, or
/// `~/.cache/probe` when XDG_CACHE_HOME is unset or empty (the XDG base-directory rule).
public struct ProbeCache: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    /// The cache for this process's environment.
    public static var `default`: ProbeCache { ProbeCache(environment: ProcessInfo.processInfo.environment) }

    public init(environment: [String: String]) {
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty, xdg.hasPrefix("/") {
            root = URL(fileURLWithPath: xdg).appendingPathComponent("probe")
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            root = URL(fileURLWithPath: home).appendingPathComponent(".cache/probe")
        }
    }

    /// Model weights: `<root>/models`.
    public var models: URL { root.appendingPathComponent("models") }
    /// Extracted datasets: `<root>/datasets`.
    public var datasets: URL { root.appendingPathComponent("datasets") }
    /// Partial downloads and staging folders: `<root>/downloads`.
    public var downloads: URL { root.appendingPathComponent("downloads") }

    /// Creates `folder` (and parents) if missing.
    public static func ensureDirectory(_ folder: URL) throws {
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw FetchError("\(folder.path): cannot create folder (\(error.localizedDescription))")
        }
    }
}
