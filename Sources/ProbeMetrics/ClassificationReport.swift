/// Precision, recall, F1 and support for one class or one average.
public struct ClassMetrics: Codable, Equatable, Sendable {
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// Number of samples whose true class is this one (for an average: summed over the reported classes).
    public var support: Int

    public init(precision: Double, recall: Double, f1: Double, support: Int) {
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
    }
}

/// scikit-learn's `classification_report` for single-label multiclass (or binary) predictions,
/// computed the way it computes it so the text is identical character for character.
///
/// - Per class: precision = tp / predicted, recall = tp / true, F1 = 2·tp / (true + predicted).
///   A zero denominator gives 0.0 (sklearn's default `zero_division="warn"`, without the warning).
/// - `micro` sums tp, predicted and true over the reported labels first; when the labels cover every
///   class present in the data it equals accuracy and the report prints it as the `accuracy` row,
///   otherwise as `micro avg`.
/// - `macro` is the unweighted mean of the per-class values; `weighted` weights them by support
///   (falling back to the unweighted mean when every support is 0), both summed in NumPy's order.
public struct ClassificationReport: Equatable, Sendable {
    /// All class names; labels index into this.
    public let classes: [String]
    /// The class indices the report covers, in row order (by default every class).
    public let labels: [Int]
    /// One entry per element of `labels`.
    public let perClass: [ClassMetrics]
    /// Micro average over `labels`; equals accuracy when `microIsAccuracy`.
    public let microAverage: ClassMetrics
    public let macroAverage: ClassMetrics
    public let weightedAverage: ClassMetrics
    /// True when `labels` include every class that occurs in the true or predicted labels.
    public let microIsAccuracy: Bool
    /// Number of samples the report was computed from.
    public let sampleCount: Int
    /// True when no sample at all is predicted correctly. scikit-learn then tallies with float zeros
    /// (its "pathological case" in `multilabel_confusion_matrix`), so its report prints supports as
    /// floats (`1.0`); `text` reproduces that.
    let supportsPrintAsFloats: Bool

    /// Fraction of samples predicted correctly, when the report covers all present classes.
    public var accuracy: Double? { microIsAccuracy ? microAverage.f1 : nil }

    /// Computes the report from class indices into `classes`.
    /// - Parameter labels: class indices to report (sklearn's `labels`); default all classes, which
    ///   matches `classification_report(..., labels=range(len(classes)), target_names=classes)`.
    public init(trueLabels: [Int], predictedLabels: [Int], classes: [String], labels: [Int]? = nil) throws {
        try validateLabels(trueLabels: trueLabels, predictedLabels: predictedLabels, classCount: classes.count)
        let matrix = try ConfusionMatrix(trueLabels: trueLabels, predictedLabels: predictedLabels, classes: classes)
        try self.init(confusionMatrix: matrix, labels: labels)
    }

    /// Computes the report from a confusion matrix (e.g. out-of-fold counts).
    public init(confusionMatrix matrix: ConfusionMatrix, labels: [Int]? = nil) throws {
        let k = matrix.classes.count
        let labels = labels ?? Array(0..<k)
        guard !labels.isEmpty else { throw MetricsError("no labels to report") }
        guard matrix.total > 0 else { throw MetricsError("no samples to report on") }
        for label in labels where !(0..<k).contains(label) {
            throw MetricsError("label \(label) is not a class index (0..<\(k))")
        }
        guard Set(labels).count == labels.count else { throw MetricsError("labels to report contain duplicates") }

        let counts = matrix.counts
        let trueSum = (0..<k).map { i in counts[i].reduce(0, +) }
        let predSum = (0..<k).map { j in counts.reduce(0) { $0 + $1[j] } }
        let present = Set((0..<k).filter { trueSum[$0] > 0 || predSum[$0] > 0 })

        func divide(_ numerator: Double, _ denominator: Int) -> Double {
            denominator == 0 ? 0.0 : numerator / Double(denominator)
        }
        let perClass = labels.map { c -> ClassMetrics in
            let tp = counts[c][c]
            return ClassMetrics(precision: divide(Double(tp), predSum[c]),
                                recall: divide(Double(tp), trueSum[c]),
                                f1: divide(2.0 * Double(tp), trueSum[c] + predSum[c]),
                                support: trueSum[c])
        }
        let support = labels.reduce(0) { $0 + trueSum[$1] }

        let tpTotal = labels.reduce(0) { $0 + counts[$1][$1] }
        let predTotal = labels.reduce(0) { $0 + predSum[$1] }
        let trueTotal = labels.reduce(0) { $0 + trueSum[$1] }
        let micro = ClassMetrics(precision: divide(Double(tpTotal), predTotal),
                                 recall: divide(Double(tpTotal), trueTotal),
                                 f1: divide(2.0 * Double(tpTotal), trueTotal + predTotal),
                                 support: support)

        func mean(_ values: [Double]) -> Double { numpyPairwiseSum(values) / Double(values.count) }
        let macro = ClassMetrics(precision: mean(perClass.map(\.precision)),
                                 recall: mean(perClass.map(\.recall)),
                                 f1: mean(perClass.map(\.f1)),
                                 support: support)

        let weights = perClass.map { Double($0.support) }
        let weightTotal = numpyPairwiseSum(weights)
        func weightedMean(_ values: [Double]) -> Double {
            // np.average raises on zero total weight; sklearn then falls back to the plain mean.
            guard weightTotal != 0 else { return mean(values) }
            return numpyPairwiseSum(zip(values, weights).map { $0 * $1 }) / weightTotal
        }
        let weighted = ClassMetrics(precision: weightedMean(perClass.map(\.precision)),
                                    recall: weightedMean(perClass.map(\.recall)),
                                    f1: weightedMean(perClass.map(\.f1)),
                                    support: support)

        self.classes = matrix.classes
        self.labels = labels
        self.perClass = perClass
        self.microAverage = micro
        self.macroAverage = macro
        self.weightedAverage = weighted
        self.microIsAccuracy = present.isSubset(of: Set(labels))
        self.sampleCount = matrix.total
        self.supportsPrintAsFloats = (0..<k).allSatisfy { counts[$0][$0] == 0 }
    }

    /// The report as `classification_report(y_true, y_pred, labels=labels, target_names=names, digits=digits)`
    /// prints it: names right-aligned in a column as wide as the longest of the names, `weighted avg`
    /// and `digits`; then a space and four 9-wide right-aligned columns, each after a space.
    public func text(digits: Int = 2) -> String {
        let names = labels.map { classes[$0] }
        let width = max(names.map(TextFormatting.pythonLength).max() ?? 0,
                        TextFormatting.pythonLength("weighted avg"), digits)
        func pad9(_ s: String) -> String { " " + TextFormatting.rightAligned(s, 9) }
        func number(_ v: Double) -> String { pad9(TextFormatting.fixed(v, digits: digits)) }
        func support(_ n: Int) -> String { pad9(supportsPrintAsFloats ? "\(n).0" : String(n)) }
        func row(_ name: String, _ m: ClassMetrics) -> String {
            TextFormatting.rightAligned(name, width) + " " + number(m.precision) + number(m.recall)
                + number(m.f1) + support(m.support) + "\n"
        }

        var out = TextFormatting.rightAligned("", width) + " "
        for header in ["precision", "recall", "f1-score", "support"] { out += pad9(header) }
        out += "\n\n"
        for (name, m) in zip(names, perClass) { out += row(name, m) }
        out += "\n"
        if microIsAccuracy {
            out += TextFormatting.rightAligned("accuracy", width) + " " + pad9("") + pad9("")
                + number(microAverage.f1) + support(microAverage.support) + "\n"
        } else {
            out += row("micro avg", microAverage)
        }
        out += row("macro avg", macroAverage)
        out += row("weighted avg", weightedAverage)
        return out
    }
}
