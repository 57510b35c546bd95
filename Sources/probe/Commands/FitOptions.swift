import ArgumentParser
import Foundation
import ProbeClassifiers
import ProbePipeline

/// Options every fit command shares: the data, the evaluation split, the transforms, the output.
struct FitOptions: ParsableArguments {
    @Argument(help: "The embedding store to train on (made by `probe extract`).") var features: String
    @Option(help: "Evaluate on this store instead of a hold-out split.") var val: String?
    @Option(help: "Fraction of each class held out for evaluation when there is no --val (0 trains on all).") var valSplit = 0.2
    @Option(help: "Seed of the split and of any randomised solver.") var seed: UInt64 = 0
    @OptionGroup var transforms: TransformOptions
    @OptionGroup var exclude: ExcludeOptions
    @Option(help: "The classifier file to write (default FEATS/models/<kind>.json).") var out: String?

    func validate() throws {
        if val != nil && valSplit != 0.2 { throw ValidationError("give --val or --val-split, not both") }
        if !(0..<1).contains(valSplit) { throw ValidationError("--val-split must be in [0, 1)") }
    }

    func settings(_ kind: ClassifierKind) -> ProbeSettings {
        var s = ProbeSettings(kind: kind)
        transforms.apply(to: &s)
        s.seed = seed
        return s
    }

    func request(_ settings: ProbeSettings) throws -> FitRequest {
        var r = FitRequest(features: URL(fileURLWithPath: features), settings: settings)
        r.exclude = try exclude.list()
        r.validation = val.map { URL(fileURLWithPath: $0) }
        r.validationSplit = val == nil ? valSplit : 0
        r.out = out.map { URL(fileURLWithPath: $0) }
        return r
    }
}

/// The transforms fitted on the training rows before the classifier (fit commands and cv).
struct TransformOptions: ParsableArguments {
    @Flag(help: "Do not standardise features (mean 0, variance 1, fitted on the training rows).") var noStandardize = false
    @Flag(help: "Standardise features (the default for logreg and svm).") var standardize = false
    @Option(help: "Project onto the first D principal components (fitted on the training rows).") var pca: Int?
    @Flag(help: "With --pca, scale components to unit variance.") var whiten = false

    func validate() throws {
        if let pca, pca < 1 { throw ValidationError("--pca must be at least 1") }
        if whiten && pca == nil { throw ValidationError("--whiten goes with --pca") }
        if standardize && noStandardize { throw ValidationError("give --standardize or --no-standardize, not both") }
    }

    func apply(to settings: inout ProbeSettings) {
        if noStandardize { settings.standardize = false }
        if standardize { settings.standardize = true }
        settings.pcaComponents = pca
        settings.whiten = whiten
    }
}

/// `--C` and `--max-iter` of the linear classifiers (logreg, svm).
struct LinearOptions: ParsableArguments {
    @Option(name: .customLong("C"), help: "Inverse regularisation strength, or `auto` to pick it on a validation split of the training rows.")
    var c: CChoice = .value(1)
    @Option(help: "Solver iteration limit.") var maxIter = 1000

    func apply(to settings: inout ProbeSettings) {
        settings.c = c.c
        settings.maxIterations = maxIter
    }
}

/// `--class-weight` of logistic regression (fit-logreg and cv share it).
struct ClassWeightOptions: ParsableArguments {
    @Option(help: "logreg: none, or balanced: weigh classes inversely to their frequency.")
    var classWeight: ClassWeight = .none

    func apply(to settings: inout ProbeSettings) {
        settings.classWeight = classWeight
    }
}

/// The classifier options of the commands that fit one classifier per fold on a store (`cv`, and
/// `doctor` for its out-of-fold probabilities): the transforms, `--C`/`--max-iter`, `--class-weight`
/// and k-NN's `--k`/`--metric`/`--weights`, so both fit their folds from the same settings.
struct FoldClassifierOptions: ParsableArguments {
    @OptionGroup var transforms: TransformOptions
    @OptionGroup var linear: LinearOptions
    @OptionGroup var classWeight: ClassWeightOptions
    @OptionGroup var neighbors: NeighborOptions

    /// Settings for `kind` with these options and `seed` (the fold assignment's and any randomised solver's).
    func settings(_ kind: ClassifierKind, seed: UInt64) -> ProbeSettings {
        var settings = ProbeSettings(kind: kind)
        transforms.apply(to: &settings)
        linear.apply(to: &settings)
        neighbors.apply(to: &settings)
        classWeight.apply(to: &settings)
        settings.seed = seed
        return settings
    }
}

/// `--k`, `--metric`, `--weights` of k-NN.
struct NeighborOptions: ParsableArguments {
    @Option(help: "Neighbours that vote.") var k = 5
    @Option(help: "Distance between embeddings.") var metric: NeighborMetric = .euclidean
    @Option(help: "uniform: one vote each; distance: votes weigh 1/distance.") var weights: NeighborWeights = .uniform

    func validate() throws {
        if k < 1 { throw ValidationError("--k must be at least 1") }
    }

    func apply(to settings: inout ProbeSettings) {
        settings.k = k
        settings.metric = metric
        settings.neighborWeights = weights
    }
}

/// `--C 1.0` or `--C auto`.
enum CChoice: ExpressibleByArgument, Equatable {
    case value(Double)
    case auto

    init?(argument: String) {
        if argument == "auto" { self = .auto; return }
        guard let v = Double(argument), v > 0, v.isFinite else { return nil }
        self = .value(v)
    }

    var c: Double? { if case .value(let v) = self { return v } else { return nil } }
    static var defaultValueDescription: String { "1.0" }
}

extension ClassWeight: ExpressibleByArgument {}
extension NeighborMetric: ExpressibleByArgument {}
extension NeighborWeights: ExpressibleByArgument {}

/// Prints what a fit did: where it wrote, the C curve of --C auto, and the hold-out report.
func printFitOutcome(_ outcome: FitOutcome, digits: Int = 2) {
    for warning in outcome.warnings { note("warning: \(warning)") }
    print("classifier: \(outcome.classifierFile.path)")
    print("trained on \(outcome.trainRows) rows; evaluated on \(outcome.validationRows)"
          + (outcome.excludedRows > 0 ? " (\(outcome.excludedRows) left out by --exclude)" : ""))
    if let chosen = outcome.probe.chosenC {
        print("C search (validation accuracy):")
        for point in outcome.probe.cCurve {
            print(String(format: "  C=%-8g %.4f%@", point.c, point.validationAccuracy, point.c == chosen ? "  <- chosen" : ""))
        }
    }
    if let warning = outcome.probe.warning { note("warning: \(warning)") }
    if let evaluation = outcome.evaluation {
        print("")
        print(evaluation.text(digits: digits, includeConfusionMatrix: false), terminator: "")
    }
    if let predictions = outcome.predictionsFile { print("predictions: \(predictions.path)  (see `probe report --confusion`)") }
}
