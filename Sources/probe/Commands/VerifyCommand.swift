import ArgumentParser
import Foundation
import ProbeStore

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute every checksum of an embedding store and report damaged shards (exit status 1 if any)."
    )

    @Argument(help: "The store folder.")
    var directory: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let report = try StoreVerifier.verify(directory: URL(fileURLWithPath: directory))
        if json {
            let object: [String: Any] = [
                "directory": directory,
                "intact": report.isIntact,
                "rows": report.rows,
                "shards": report.shards.map { ["name": $0.name, "rows": $0.rows, "problems": $0.problems] as [String: Any] },
                "store_problems": report.storeProblems,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else if report.isIntact {
            print("ok: \(report.shards.count) shards, \(report.rows) rows, every file matches its checksum (\(directory))")
        } else {
            for shard in report.damagedShards {
                print("damaged: \(shard.name)")
                for problem in shard.problems { print("  \(problem)") }
            }
            for problem in report.storeProblems { print("problem: \(problem)") }
            print("\(report.damagedShards.count) of \(report.shards.count) shards damaged (\(directory))")
        }
        if !report.isIntact { throw ExitCode(1) }
    }
}
