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
    @Option(name: .customLong("C"), help: "logreg/svm: C, or `auto` (searched inside each fold).") var c: CChoice = .value(1)
    @Option(help: "logreg: none or balanced.") var classWeight: ClassWeight = .none
    @Option(help: "logreg/svm: iteration limit.") var maxIter = 1000
    @Option(help: "knn: neighbours that vote.") var k = 5
    @Option(help: "knn: distance.") var metric: NeighborMetric = .euclidean
    @Option(help: "knn: uniform or distance.") var weights: NeighborWeights = .uniform
    @Flag(help: "Do not standardise features.") var noStandardize = false
    @Option(help: "Project onto the first D principal components.") var pca: Int?
    @Option(help: "Decimals in the report.") var digits = 2
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func validate() throws {
        if folds < 2 { throw ValidationError("--folds must be at least 2") }
        if k < 1 { throw ValidationError("--k must be at least 1") }
    }

    func run() throws {
        var settings = ProbeSettings(kind: classifier)
        settings.c = c.c
        settings.classWeight = classWeight
        settings.maxIterations = maxIter
        settings.k = k
        settings.metric = metric
        settings.neighborWeights = weights
        settings.seed = seed
        settings.pcaComponents = pca
        if noStandardize { settings.standardize = false }
        let outcome = try CrossValidation.run(features: URL(fileURLWithPath: features), settings: settings, folds: folds) { done, total in
            if !json { note("cv: fold \(done)/\(total) done") }
        }
        for warning in outcome.warnings { note("warning: \(warning)") }
        if json {
            print(outcome.summary.json(classifier: classifier.rawValue).serialized(pretty: true))
        } else {
            print("\(classifier.rawValue), \(folds)-fold stratified cross-validation (seed \(seed)) on \(features)")
            print(outcome.summary.text(digits: digits, includeConfusionMatrix: true), terminator: "")
        }
    }
}

extension ClassifierKind: ExpressibleByArgument {}
