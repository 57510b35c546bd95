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
        /// Per-fold convergence warnings, if any solver stopped at its limit, and exclude-list warnings.
        public let warnings: [String]
        /// Rows left out by `exclude` (0 without a list).
        public var excludedRows = 0
    }

    /// With `exclude`, the rows it names are left out before the folds are drawn (the folds are
    /// those of a store without them), and the summary's sample indices count the rows used.
    public static func run(features: URL, settings: ProbeSettings, folds: Int, exclude: ExcludeList? = nil,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> Outcome {
        guard folds >= 2 else { throw PipelineError("--folds must be at least 2") }
        let store = try Fitting.openStore(features)
        let selection = StoreRows(store, excluding: exclude)
        try Fitting.requireUsable(store, rows: selection.rows)
        // Fold indices count the used rows (0..<rows.count); `selection.rows` maps them to store rows.
        let splits = try StratifiedKFold(folds: folds, seed: settings.seed).splits(labels: selection.labels)
        var predictions: [FoldPredictions] = []
        var warnings: [String] = selection.warning.map { [$0] } ?? []
        for (foldIndex, split) in splits.enumerated() {
            let probe = try TrainedProbe.fit(x: store.copyRows(split.train.map { selection.rows[$0] }),
                                             y: split.train.map { selection.labels[$0] }, settings: settings)
            if let warning = probe.warning { warnings.append("fold \(foldIndex + 1): \(warning)") }
            let predicted = try probe.predict(store.copyRows(split.test.map { selection.rows[$0] }), classCount: store.classes.count)
            predictions.append(FoldPredictions(sampleIndices: split.test, trueLabels: split.test.map { selection.labels[$0] },
                                               predictedLabels: predicted.labels, probabilities: predicted.probabilities))
            progress(foldIndex + 1, splits.count)
        }
        var outcome = Outcome(summary: try CrossValidationSummary(classes: store.classes, folds: predictions),
                              classifier: settings.kind, warnings: warnings)
        outcome.excludedRows = selection.excludedCount
        return outcome
    }
}
