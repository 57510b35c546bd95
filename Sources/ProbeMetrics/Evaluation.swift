import Foundation
import ProbeCore

/// Everything `probe report` shows for one set of predictions: the classification report over all
/// classes, the confusion matrix and, when probabilities exist, top-k accuracy and log loss.
public struct Evaluation: Equatable, Sendable {
    public let classes: [String]
    public let report: ClassificationReport
    public let confusionMatrix: ConfusionMatrix
    /// Top-k accuracy for k = 1 and 5 (keys), when probabilities were given. k ≥ the class count scores 1.0.
    public let topKAccuracy: [Int: Double]?
    /// scikit-learn's `log_loss`, when probabilities were given.
    public let logLoss: Double?

    /// The k values reported by `topKAccuracy`.
    public static let reportedTopK = [1, 5]

    /// - Parameters: class indices into `classes`; `probabilities[i][c]` for sample i and class c, if any.
    public init(trueLabels: [Int], predictedLabels: [Int], classes: [String], probabilities: [[Double]]? = nil) throws {
        let matrix = try ConfusionMatrix(trueLabels: trueLabels, predictedLabels: predictedLabels, classes: classes)
        self.classes = classes
        self.confusionMatrix = matrix
        self.report = try ClassificationReport(confusionMatrix: matrix)
        if let probabilities {
            guard probabilities.first?.count == classes.count else {
                throw MetricsError("probabilities have \(probabilities.first?.count ?? 0) columns for \(classes.count) classes")
            }
            var topK: [Int: Double] = [:]
            for k in Evaluation.reportedTopK {
                topK[k] = try ProbabilityMetrics.topKAccuracy(trueLabels: trueLabels, probabilities: probabilities, k: k)
            }
            self.topKAccuracy = topK
            self.logLoss = try ProbabilityMetrics.logLoss(trueLabels: trueLabels, probabilities: probabilities)
        } else {
            self.topKAccuracy = nil
            self.logLoss = nil
        }
    }

    /// Evaluates a saved prediction set (labels by name).
    public init(predictions: PredictionSet) throws {
        let (trueLabels, predictedLabels) = try predictions.labelIndices()
        try self.init(trueLabels: trueLabels, predictedLabels: predictedLabels, classes: predictions.classes,
                      probabilities: predictions.probabilityMatrix)
    }

    /// The sklearn-layout report, optionally followed by the confusion matrix and probability metrics.
    public func text(digits: Int = 2, includeConfusionMatrix: Bool = false) -> String {
        var out = report.text(digits: digits)
        if let topKAccuracy, let logLoss {
            out += "\n"
            // Top-k for k ≥ the class count is trivially 1; the text leaves it out (JSON keeps it).
            for k in Evaluation.reportedTopK where k == 1 || k < classes.count { out += "top-\(k) accuracy: \(TextFormatting.fixed(topKAccuracy[k]!, digits: digits))\n" }
            out += "log loss: \(TextFormatting.fixed(logLoss, digits: max(digits, 4)))\n"
        }
        if includeConfusionMatrix {
            out += "\nconfusion matrix (rows = true class, columns = predicted class):\n"
            out += confusionMatrix.text()
        }
        return out
    }

    /// The report as JSON: `accuracy`, `macro_avg`, `weighted_avg`, `per_class` (in class order),
    /// `confusion_matrix`, `classes`, `top_k_accuracy` (`{"1": …, "5": …}` or null) and `log_loss` (or null).
    public var json: JSONValue {
        func metrics(_ m: ClassMetrics) -> JSONValue {
            .object([("precision", .double(m.precision)), ("recall", .double(m.recall)),
                      ("f1", .double(m.f1)), ("support", .int(m.support))])
        }
        let topK: JSONValue = topKAccuracy.map { t in
            .object(JSONObject(Evaluation.reportedTopK.map { (String($0), .double(t[$0]!)) }))
        } ?? .null
        return .object([
            ("accuracy", report.accuracy.map(JSONValue.double) ?? .null),
            ("macro_avg", metrics(report.macroAverage)),
            ("weighted_avg", metrics(report.weightedAverage)),
            ("per_class", .object(JSONObject(zip(report.labels, report.perClass).map { (classes[$0], metrics($1)) }))),
            ("confusion_matrix", .array(confusionMatrix.counts.map { .array($0.map(JSONValue.int)) })),
            ("classes", .array(classes.map(JSONValue.string))),
            ("top_k_accuracy", topK),
            ("log_loss", logLoss.map(JSONValue.double) ?? .null),
        ])
    }

    /// The per-class table as CSV (RFC 4180): header `class,precision,recall,f1,support`, one row per class,
    /// numbers at full precision; names with commas, quotes or line breaks are quoted, quotes doubled.
    public func csv() -> String {
        var out = CSV.row(["class", "precision", "recall", "f1", "support"]) + "\r\n"
        for (label, m) in zip(report.labels, report.perClass) {
            out += CSV.row([classes[label], "\(m.precision)", "\(m.recall)", "\(m.f1)", "\(m.support)"]) + "\r\n"
        }
        return out
    }
}
