import Foundation
import ProbeStore
import ProbeTestSupport
import XCTest

/// docs/slurm.md shows the job scripts CI runs (`scripts/ci-slurm` submits them to a real
/// Slurm cluster), and the extract script is also the Kubernetes Indexed Job's entry point.
final class ClusterScriptsTests: XCTestCase {
    /// Every block the doc marks with `<!-- file: PATH -->` is that file, byte for byte.
    func testDocsShowTheScriptsCIRuns() throws {
        let doc = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("docs/slurm.md"), encoding: .utf8)
        let lines = doc.components(separatedBy: "\n")
        var checked: [String] = []
        for (i, line) in lines.enumerated() where line.hasPrefix("<!-- file: ") && line.hasSuffix(" -->") {
            let path = String(line.dropFirst("<!-- file: ".count).dropLast(" -->".count))
            XCTAssertTrue(lines[i + 1].hasPrefix("```"), "\(path): the marker must precede a fenced block")
            guard let end = lines[(i + 2)...].firstIndex(of: "```") else { XCTFail("\(path): block not closed"); continue }
            let block = lines[(i + 2)..<end].joined(separator: "\n") + "\n"
            let file = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent(path), encoding: .utf8)
            XCTAssertEqual(block, file, "docs/slurm.md's block for \(path) is not that file")
            checked.append(path)
        }
        XCTAssertEqual(Set(checked), ["scripts/slurm-extract.sbatch", "scripts/slurm-merge.sbatch", "scripts/k8s-extract-job.yaml"])
    }

    /// A Kubernetes Indexed Job runs the script with JOB_COMPLETION_INDEX and no Slurm
    /// variables: it must extract exactly that part into OUT/part-I, marked finished.
    func testExtractScriptTakesItsPartFromJobCompletionIndex() throws {
        let weights = try ExtractTestSupport.lite0Weights()
        let data = try ExtractTestSupport.temporaryFolder(self, "k8s-data")
        var all: [String] = []
        for label in ["cat", "dog"] {
            let source = ExtractTestSupport.petsMini.appendingPathComponent(label)
            try FileManager.default.createDirectory(at: data.appendingPathComponent(label), withIntermediateDirectories: true)
            let names = try FileManager.default.contentsOfDirectory(atPath: source.path).filter { $0.hasSuffix(".jpg") }.sorted().prefix(4)
            for name in names {
                try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: data.appendingPathComponent("\(label)/\(name)"))
                all.append("\(label)/\(name)")
            }
        }
        let out = try ExtractTestSupport.temporaryFolder(self, "k8s-out")
        let environment = ["PROBE": TestPaths.probeBinary.path, "PROBE_PARTS": "2", "PROBE_DATA": data.path,
                           "PROBE_OUT": out.path, "PROBE_WEIGHTS": weights.path, "JOB_COMPLETION_INDEX": "1"]
        let result = try runScript("scripts/slurm-extract.sbatch", environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("part-0").path))
        let manifest = try StoreManifest.require(directory: out.appendingPathComponent("part-1"))
        XCTAssertEqual(manifest.part, try StorePart(index: 1, count: 2))
        XCTAssertEqual(manifest.complete, true)
        let store = try FeatureStore(directory: out.appendingPathComponent("part-1"))
        let expected = all.filter { StorePart.fnv1a64($0) % 2 == 1 }
        XCTAssertFalse(expected.isEmpty)
        XCTAssertEqual(Set(store.paths), Set(expected))
    }

    func testExtractScriptWithoutAnIndexStopsWithAClearMessage() throws {
        let result = try runScript("scripts/slurm-extract.sbatch", environment: ["PROBE": "/bin/false"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("no part index: run as a Slurm array task or a Kubernetes Indexed Job"), result.stderr)
    }

    /// Runs a repository script with bash, with `environment` added and every Slurm/Kubernetes index variable removed.
    private func runScript(_ path: String, environment: [String: String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [TestPaths.repoRoot.appendingPathComponent(path).path]
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SLURM_") && $0.key != "JOB_COMPLETION_INDEX" }
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        _ = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: errData, as: UTF8.self))
    }
}
