import Foundation
import ProbeCore

/// The predictions one cross-validation fold made for its test part (class indices into the shared classes).
public struct FoldPredictions: Equatable, Sendable {
    /// Positions of the test samples in the full dataset; each sample must be tested exactly once over all folds.
    public var sampleIndices: [Int]
    public var trueLabels: [Int]
    public var predictedLabels: [Int]
    /// `sampleIndices.count × classes` probabilities, when the classifier gives them.
    public var probabilities: [[Double]]?

    public init(sampleIndices: [Int], trueLabels: [Int], predictedLabels: [Int], probabilities: [[Double]]? = nil) {
        self.sampleIndices = sampleIndices
        self.trueLabels = trueLabels
        self.predictedLabels = predictedLabels
        self.probabilities = probabilities
    }
}

/// Per-fold accuracy and macro-F1, their mean and standard deviation, and the out-of-fold evaluation
/// (every sample predicted by the one model that did not see it), as `probe cv` reports them.
///
/// Each fold's macro-F1 averages over all classes, as sklearn's `f1_score(labels=all classes,
/// average="macro")`: a class absent from a fold's test part and never predicted there counts as 0.
/// The standard deviation is the population one (ddof = 0), as NumPy's `scores.std()` on
/// scikit-learn's `cross_val_score` output.
public struct CrossValidationSummary: Equatable, Sendable {
    public struct Fold: Equatable, Sendable {
        public let accuracy: Double
        public let macroF1: Double
        public let testCount: Int
    }

    public let classes: [String]
    public let folds: [Fold]
    public let meanAccuracy: Double
    public let accuracyStd: Double
    public let meanMacroF1: Double
    public let macroF1Std: Double
    /// Report over all out-of-fold predictions, in dataset order.
    public let outOfFold: Evaluation

    /// Throws when folds overlap, leave samples untested, or disagree on whether probabilities exist.
    public init(classes: [String], folds foldPredictions: [FoldPredictions]) throws {
        guard foldPredictions.count >= 2 else { throw MetricsError("cross-validation needs at least 2 folds, got \(foldPredictions.count)") }
        let n = foldPredictions.reduce(0) { $0 + $1.sampleIndices.count }
        var trueLabels = [Int](repeating: -1, count: n)
        var predicted = [Int](repeating: -1, count: n)
        let haveProbabilities = foldPredictions[0].probabilities != nil
        var probabilities: [[Double]]? = haveProbabilities ? [[Double]](repeating: [], count: n) : nil
        var folds: [Fold] = []
        for (f, fold) in foldPredictions.enumerated() {
            guard fold.sampleIndices.count == fold.trueLabels.count, fold.trueLabels.count == fold.predictedLabels.count else {
                throw MetricsError("fold \(f + 1): sample indices, true and predicted labels differ in length")
            }
            guard (fold.probabilities != nil) == haveProbabilities else {
                throw MetricsError("fold \(f + 1): probabilities present in some folds but not others")
            }
            guard !fold.sampleIndices.isEmpty else { throw MetricsError("fold \(f + 1) has no test samples") }
            let report = try ClassificationReport(trueLabels: fold.trueLabels, predictedLabels: fold.predictedLabels, classes: classes)
            folds.append(Fold(accuracy: report.accuracy!, macroF1: report.macroAverage.f1, testCount: fold.sampleIndices.count))
            for (j, index) in fold.sampleIndices.enumerated() {
                guard (0..<n).contains(index) else { throw MetricsError("fold \(f + 1): sample index \(index) is outside 0..<\(n)") }
                guard trueLabels[index] == -1 else { throw MetricsError("fold \(f + 1): sample \(index) is tested in more than one fold") }
                trueLabels[index] = fold.trueLabels[j]
                predicted[index] = fold.predictedLabels[j]
                if let p = fold.probabilities { probabilities![index] = p[j] }
            }
        }
        // n indices, none repeated, all in 0..<n: every sample was tested exactly once.
        self.classes = classes
        self.folds = folds
        (meanAccuracy, accuracyStd) = CrossValidationSummary.meanAndStd(folds.map(\.accuracy))
        (meanMacroF1, macroF1Std) = CrossValidationSummary.meanAndStd(folds.map(\.macroF1))
        outOfFold = try Evaluation(trueLabels: trueLabels, predictedLabels: predicted, classes: classes, probabilities: probabilities)
    }

    /// Mean and population standard deviation, computed as NumPy does (mean, then mean of squared deviations).
    static func meanAndStd(_ values: [Double]) -> (Double, Double) {
        let mean = numpyPairwiseSum(values) / Double(values.count)
        let variance = numpyPairwiseSum(values.map { ($0 - mean) * ($0 - mean) }) / Double(values.count)
        return (mean, variance.squareRoot())
    }

    /// Per-fold lines, the mean ± std lines, then the out-of-fold report (and confusion matrix if asked).
    public func text(digits: Int = 2, includeConfusionMatrix: Bool = true) -> String {
        let d = max(digits, 4)
        var out = "fold  accuracy  macro-F1  test samples\n"
        for (i, fold) in folds.enumerated() {
            out += TextFormatting.rightAligned(String(i + 1), 4) + "  "
                + TextFormatting.rightAligned(TextFormatting.fixed(fold.accuracy, digits: d), 8) + "  "
                + TextFormatting.rightAligned(TextFormatting.fixed(fold.macroF1, digits: d), 8) + "  "
                + TextFormatting.rightAligned(String(fold.testCount), 12) + "\n"
        }
        out += "accuracy: \(TextFormatting.fixed(meanAccuracy, digits: d)) ± \(TextFormatting.fixed(accuracyStd, digits: d))\n"
        out += "macro-F1: \(TextFormatting.fixed(meanMacroF1, digits: d)) ± \(TextFormatting.fixed(macroF1Std, digits: d))\n"
        out += "\nout-of-fold report (\(outOfFold.report.sampleCount) samples, each predicted by the fold that held it out):\n"
        out += outOfFold.text(digits: digits, includeConfusionMatrix: includeConfusionMatrix)
        return out
    }

    /// `{"classifier", "folds": [{"accuracy", "macro_f1", "test_count"}…], "accuracy", "accuracy_std",
    ///   "macro_f1", "macro_f1_std", "report": <Evaluation.json>}`.
    public func json(classifier: String) -> JSONValue {
        .object([
            ("classifier", .string(classifier)),
            ("folds", .array(folds.map { .object([("accuracy", .double($0.accuracy)), ("macro_f1", .double($0.macroF1)),
                                                  ("test_count", .int($0.testCount))]) })),
            ("accuracy", .double(meanAccuracy)),
            ("accuracy_std", .double(accuracyStd)),
            ("macro_f1", .double(meanMacroF1)),
            ("macro_f1_std", .double(macroF1Std)),
            ("report", outOfFold.json),
        ])
    }
}
