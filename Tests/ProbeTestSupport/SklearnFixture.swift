import Foundation

/// One case written by reference/metrics_sklearn.py (read by the metrics tests and `probe report`'s CLI tests): predictions and what scikit-learn made of them.
public struct SklearnCase: Decodable {
    public struct Averages: Decodable { public let micro: [Double]; public let macro: [Double]; public let weighted: [Double] }
    public let name: String
    public let classes: [String]
    public let y_true: [Int]
    public let y_pred: [Int]
    public let labels: [Int]?
    public let digits: Int
    public let report: String
    public let confusion_matrix: [[Int]]
    public let precision: [Double]
    public let recall: [Double]
    public let f1: [Double]
    public let support: [Int]
    public let averages: Averages
    public let probabilities: [[Double]]?
    public let log_loss: Double?
    public let top_k_accuracy: [String: Double]?
}

/// Cross-validation golden values: sklearn StratifiedKFold test folds over fixed predictions.
public struct SklearnCVCase: Decodable {
    public struct Fold: Decodable { public let test_indices: [Int] }
    public let classes: [String]
    public let y_true: [Int]
    public let y_pred: [Int]
    public let probabilities: [[Double]]
    public let folds: [Fold]
    public let fold_accuracy: [Double]
    public let fold_macro_f1: [Double]
    public let accuracy_mean: Double
    public let accuracy_std: Double
    public let macro_f1_mean: Double
    public let macro_f1_std: Double
    public let oof_report: String
    public let oof_log_loss: Double
}

public struct SklearnFixture: Decodable {
    public let sklearn_version: String
    public let cases: [SklearnCase]
    public let cross_validation: SklearnCVCase

    public static func load() throws -> SklearnFixture {
        let data = try Data(contentsOf: TestPaths.fixture("metrics/sklearn_reports.json"))
        return try JSONDecoder().decode(SklearnFixture.self, from: data)
    }

    public func named(_ name: String) -> SklearnCase? { cases.first { $0.name == name } }
}
