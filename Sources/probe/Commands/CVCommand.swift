import ArgumentParser
import Foundation
import ProbeClassifiers
import ProbePipeline

struct CVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cv",
        abstract: "Stratified k-fold cross-validation of a classifier on an embedding store.",
        discussion: "Standardisation, PCA and --C auto are fitted inside each training fold only, so nothing leaks from the test fold.")

    @Argument(help: "The embedding store.") var features: String
    @Option(help: "logreg, svm or knn.") var classifier: ClassifierKind = .logreg
    @Option(help: "Number of folds.") var folds = 5
    @Option(help: "Seed of the fold assignment.") var seed: UInt64 = 0
    @OptionGroup var options: FoldClassifierOptions
    @OptionGroup var exclude: ExcludeOptions
    @Option(help: "Decimals in the report.") var digits = 2
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func validate() throws {
        if folds < 2 { throw ValidationError("--folds must be at least 2") }
    }

    func run() throws {
        let settings = options.settings(classifier, seed: seed)
        let outcome = try CrossValidation.run(features: URL(fileURLWithPath: features), settings: settings, folds: folds,
                                                 exclude: try exclude.list()) { done, total in
            if !json { note("cv: fold \(done)/\(total) done") }
        }
        for warning in outcome.warnings { note("warning: \(warning)") }
        if json {
            print(outcome.summary.json(classifier: classifier.rawValue).serialized(pretty: true))
        } else {
            print("\(classifier.rawValue), \(folds)-fold stratified cross-validation (seed \(seed)) on \(features)"
                  + (outcome.excludedRows > 0 ? " (\(outcome.excludedRows) rows left out by --exclude)" : ""))
            print(outcome.summary.text(digits: digits, includeConfusionMatrix: true), terminator: "")
        }
    }
}

extension ClassifierKind: ExpressibleByArgument {}
