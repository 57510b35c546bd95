import Foundation
import ProbeClassifiers
import ProbeMetrics
import ProbeStore

/// `probe cv`: stratified k-fold cross-validation on a store, with every transform
/// (standardisation, PCA, the C search) fitted inside each training fold only.
public enum CrossValidation {
    public struct Outcome: Sendable {
        public let summary: CrossValidationSummary
        public let classifier: ClassifierKind
        /// Per-fold convergence warnings, if any solver stopped at its limit.
        public let warnings: [String]
    }

    public static func run(features: URL, settings: ProbeSettings, folds: Int,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> Outcome {
        guard folds >= 2 else { throw PipelineError("--folds must be at least 2") }
        let store = try Fitting.openStore(features)
        try Fitting.requireUsable(store)
        let splits = try StratifiedKFold(folds: folds, seed: settings.seed).splits(labels: store.labels)
        var predictions: [FoldPredictions] = []
        var warnings: [String] = []
        for (foldIndex, split) in splits.enumerated() {
            let probe = try TrainedProbe.fit(x: store.copyRows(split.train), y: split.train.map { store.labels[$0] }, settings: settings)
            if let warning = probe.warning { warnings.append("fold \(foldIndex + 1): \(warning)") }
            let predicted = try probe.predict(store.copyRows(split.test), classCount: store.classes.count)
            predictions.append(FoldPredictions(sampleIndices: split.test, trueLabels: split.test.map { store.labels[$0] },
                                               predictedLabels: predicted.labels, probabilities: predicted.probabilities))
            progress(foldIndex + 1, splits.count)
        }
        return Outcome(summary: try CrossValidationSummary(classes: store.classes, folds: predictions),
                       classifier: settings.kind, warnings: warnings)
    }
}
