import ArgumentParser
import Foundation
import ProbeStore

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine embedding stores of disjoint files (e.g. the --part I/N stores) into one.",
        discussion: """
        The inputs must share model, weights, preprocessing, pool, dtype and classes, and no file \
        may be stored twice. Shard files are hard-linked into OUT (copied only across file systems); \
        the inputs are left as they were. OUT may be new, empty, or a store to add to. --part stores \
        must be every part of their split, each from a run that finished; a missing or unfinished \
        part is named and refused.
        """
    )

    @Argument(help: "The output store folder.")
    var output: String

    @Argument(help: "Input store folders.")
    var inputs: [String]

    @Flag(help: "Merge --part stores even when some parts of the split are not among the inputs.")
    var allowMissingParts = false

    func run() throws {
        let summary = try StoreMerger.merge(inputs: inputs.map { URL(fileURLWithPath: $0) }, into: URL(fileURLWithPath: output),
                                            allowMissingParts: allowMissingParts)
        print("merged \(inputs.count) store\(inputs.count == 1 ? "" : "s") into \(output): \(summary.shards) shards, \(summary.rows) rows added (\(summary.linkedFiles) files hard-linked, \(summary.copiedFiles) copied); \(summary.totalRows) rows in total")
    }
}
