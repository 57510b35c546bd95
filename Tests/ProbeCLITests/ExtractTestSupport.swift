import Foundation
import XCTest
import ProbeStore
import ProbeTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Shared by the `Extract*Tests`: they run the real `probe extract` binary with the real
/// EfficientNet-Lite0 weights on real photos, and read what it wrote with `FeatureStore`.
enum ExtractTestSupport {
    /// The real Lite0 checkpoint: `$PROBE_LITE0_PTH`, else the one `probe models fetch` caches.
    /// Tests skip without it (CI has it cached).
    static func lite0Weights() throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["PROBE_LITE0_PTH"], FileManager.default.fileExists(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        let cacheRoot: URL
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            cacheRoot = URL(fileURLWithPath: xdg).appendingPathComponent("probe")
        } else {
            cacheRoot = URL(fileURLWithPath: NSHomeDirectory()).appendingPathComponent(".cache/probe")
        }
        let cached = cacheRoot.appendingPathComponent("models/efficientnet-lite0-57934424.pth")
        guard FileManager.default.fileExists(atPath: cached.path) else {
            throw MissingPrerequisite("no Lite0 weights: run `probe models fetch efficientnet_lite0` or set PROBE_LITE0_PTH")
        }
        return cached
    }

    /// The committed 100-image dataset (`data/pets-mini`: cat/ and dog/).
    static var petsMini: URL { TestPaths.repoRoot.appendingPathComponent("data/pets-mini") }

    /// A fresh folder under the system temporary directory, removed when the test ends.
    static func temporaryFolder(_ test: XCTestCase, _ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("probe-e2e-\(name)-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// `probe extract` arguments for the Lite0 backbone with explicit weights.
    static func extractArguments(data: URL, out: URL, weights: URL, _ extra: [String] = []) -> [String] {
        ["extract", "--model", "efficientnet_lite0", "--weights", weights.path,
         "--data", data.path, "--out", out.path] + extra
    }

    /// Runs the binary to completion and parses the `--json` summary on stdout.
    static func extractJSON(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let result = try runProbe(arguments + ["--json"])
        XCTAssertEqual(result.status, 0, "probe \(arguments.joined(separator: " ")) failed: \(result.stderr)", file: file, line: line)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try XCTUnwrap(object as? [String: Any], "summary is not a JSON object: \(result.stdout)", file: file, line: line)
    }

    /// Starts the binary without waiting; its output goes nowhere (nothing can block on a pipe).
    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = TestPaths.probeBinary
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Rows the store's manifest lists as committed, or nil before the first manifest exists.
    /// The manifest is replaced atomically, so a read never sees half of one.
    static func committedRows(_ store: URL) -> Int? {
        guard let data = try? Data(contentsOf: store.appendingPathComponent("manifest.json")),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let totals = object["totals"] as? [String: Any] else { return nil }
        return totals["rows"] as? Int
    }

    /// True while a shard is being written (a `.partial` file with rows in it exists).
    static func hasPartialShardWithRows(_ store: URL) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: store.path) else { return false }
        for name in names where name.hasPrefix("shard-") && name.hasSuffix(".partial") && name.contains(".index.") {
            let attributes = try? FileManager.default.attributesOfItem(atPath: store.appendingPathComponent(name).path)
            if let size = attributes?[.size] as? NSNumber, size.intValue > 0 { return true }
        }
        return false
    }

    /// Polls every 10 ms until `condition` holds or the process exits; returns whether it held.
    static func wait(for process: Process, timeout: TimeInterval = 600, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return false
    }

    /// Sends SIGKILL and reaps the process; returns whether the kill is what ended it.
    @discardableResult
    static func kill9(_ process: Process) -> Bool {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }
}

/// A store's rows as plain values, to compare two stores exactly.
struct StoreRows: Equatable {
    var paths: [String]
    var labels: [Int]
    /// Each row's embedding as float32 bytes (exactly the stored bytes for a float32 store).
    var embeddings: [Data]
    /// Rows per shard, in manifest order.
    var shardRows: [Int]

    init(_ directory: URL) throws {
        let store = try FeatureStore(directory: directory)
        paths = store.paths
        labels = store.labels
        shardRows = store.manifest.shards.map(\.rows)
        embeddings = (0..<store.rowCount).map { row in store.withRow(row) { Data(buffer: $0) } }
    }

    /// Row of each path (paths are unique in a valid store).
    var rowByPath: [String: Int] {
        Dictionary(paths.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
