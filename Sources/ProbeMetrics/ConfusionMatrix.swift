/// Counts of (true class, predicted class) pairs: `counts[t][p]` is the number of samples whose true
/// class index is `t` and predicted class index is `p` (rows true, columns predicted, as scikit-learn's
/// `confusion_matrix` with `labels = 0..<classes.count`).
public struct ConfusionMatrix: Equatable, Sendable {
    /// Class names; index `i` names row `i` and column `i`.
    public let classes: [String]
    /// `classes.count × classes.count` counts, row = true class, column = predicted class.
    public let counts: [[Int]]

    /// Builds the matrix from class indices into `classes`.
    /// Throws when the label arrays differ in length or hold an index outside `classes`.
    public init(trueLabels: [Int], predictedLabels: [Int], classes: [String]) throws {
        try validateLabels(trueLabels: trueLabels, predictedLabels: predictedLabels, classCount: classes.count)
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classes.count), count: classes.count)
        for (t, p) in zip(trueLabels, predictedLabels) { counts[t][p] += 1 }
        self.classes = classes
        self.counts = counts
    }

    /// Wraps counts that were already tallied (e.g. summed over folds). Throws unless square and matching `classes`.
    public init(classes: [String], counts: [[Int]]) throws {
        guard counts.count == classes.count, counts.allSatisfy({ $0.count == classes.count }) else {
            throw MetricsError("confusion matrix must be \(classes.count)×\(classes.count) for \(classes.count) classes")
        }
        guard counts.allSatisfy({ $0.allSatisfy { $0 >= 0 } }) else {
            throw MetricsError("confusion matrix counts must not be negative")
        }
        self.classes = classes
        self.counts = counts
    }

    /// Number of samples counted.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }

    /// Samples of each true class (row sums).
    public var support: [Int] { counts.map { $0.reduce(0, +) } }

    /// The matrix as aligned text with class names on both axes:
    /// a title line, a header of predicted class names, then one row per true class.
    /// Every column is right-aligned and as wide as its longest entry (name or count, in code points).
    public func text() -> String {
        let k = classes.count
        let rowHeader = "true \\ predicted"
        let nameWidth = max(TextFormatting.pythonLength(rowHeader), classes.map(TextFormatting.pythonLength).max() ?? 0)
        var columnWidths = [Int](repeating: 0, count: k)
        for j in 0..<k {
            let widestCount = counts.map { String($0[j]).count }.max() ?? 1
            columnWidths[j] = max(TextFormatting.pythonLength(classes[j]), widestCount)
        }
        var out = TextFormatting.leftAligned(rowHeader, nameWidth)
        for j in 0..<k { out += "  " + TextFormatting.rightAligned(classes[j], columnWidths[j]) }
        out += "\n"
        for i in 0..<k {
            out += TextFormatting.rightAligned(classes[i], nameWidth)
            for j in 0..<k { out += "  " + TextFormatting.rightAligned(String(counts[i][j]), columnWidths[j]) }
            out += "\n"
        }
        return out
    }
}

func validateLabels(trueLabels: [Int], predictedLabels: [Int], classCount: Int) throws {
    guard trueLabels.count == predictedLabels.count else {
        throw MetricsError("true and predicted labels differ in length (\(trueLabels.count) vs \(predictedLabels.count))")
    }
    guard classCount > 0 else { throw MetricsError("no classes given") }
    for (i, label) in trueLabels.enumerated() where !(0..<classCount).contains(label) {
        throw MetricsError("true label \(label) of sample \(i) is not a class index (0..<\(classCount))")
    }
    for (i, label) in predictedLabels.enumerated() where !(0..<classCount).contains(label) {
        throw MetricsError("predicted label \(label) of sample \(i) is not a class index (0..<\(classCount))")
    }
}
