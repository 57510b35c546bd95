import ArgumentParser
import Foundation
import ProbeCore
import ProbePipeline

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Label images, folders of images or embedding stores with a trained classifier.",
        discussion: "Images are embedded with the backbone, weights and preprocessing the classifier was trained on; a mismatch is refused.")

    @Option(help: "A classifier file written by a fit command (e.g. feats/models/logreg.json).") var classifier: String
    @Argument(help: "Images, folders of images, or embedding stores.") var inputs: [String]
    @Option(help: "The checkpoint the training features were extracted with, if not the cached official one.") var weights: String?
    @Option(help: "Show the K most likely classes.") var top = 1
    @Flag(help: "One JSON array of {path, top: [{label, probability}]}.") var json = false
    @Flag(help: "CSV: path,label,probability (one row per class shown).") var csv = false
    @OptionGroup var threads: ThreadOptions

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one image, folder or store") }
        if top < 1 { throw ValidationError("--top must be at least 1") }
        if json && csv { throw ValidationError("give --json or --csv, not both") }
    }

    func run() throws {
        let outcome = try Prediction.run(classifier: URL(fileURLWithPath: classifier), inputs: inputs.map { URL(fileURLWithPath: $0) },
                                         weights: weights.map { URL(fileURLWithPath: $0) }, top: top, threads: threads.resolved)
        for skipped in outcome.skipped { note("probe: \(skipped.path): \(skipped.reason)") }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(outcome.rows), as: UTF8.self))
        } else if csv {
            print(CSV.row(["path", "label", "probability"]))
            for row in outcome.rows {
                for choice in row.top {
                    print(CSV.row([row.path, choice.label, choice.probability.map { String(format: "%.6f", $0) } ?? ""]))
                }
            }
        } else {
            let width = min(60, outcome.rows.map(\.path.count).max() ?? 0)
            for row in outcome.rows {
                let choices = row.top.map { c in c.probability.map { "\(c.label)  \(String(format: "%.4f", $0))" } ?? c.label }
                print(row.path.padding(toLength: max(width, row.path.count), withPad: " ", startingAt: 0) + "  " + choices.joined(separator: "  "))
            }
        }
        if !outcome.skipped.isEmpty { throw ExitCode(outcome.rows.isEmpty ? 1 : 0) }
    }
}
