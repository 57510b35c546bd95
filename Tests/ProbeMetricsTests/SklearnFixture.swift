import Foundation
import ProbeTestSupport

/// One case written by reference/metrics_sklearn.py: predictions and what scikit-learn made of them.
struct SklearnCase: Decodable {
    struct Averages: Decodable { let micro: [Double]; let macro: [Double]; let weighted: [Double] }
    let name: String
    let classes: [String]
    let y_true: [Int]
    let y_pred: [Int]
    let labels: [Int]?
    let digits: Int
    let report: String
    let confusion_matrix: [[Int]]
    let precision: [Double]
    let recall: [Double]
    let f1: [Double]
    let support: [Int]
    let averages: Averages
    let probabilities: [[Double]]?
    let log_loss: Double?
    let top_k_accuracy: [String: Double]?
}

/// Cross-validation golden values: sklearn StratifiedKFold test folds over fixed predictions.
struct SklearnCVCase: Decodable {
    struct Fold: Decodable { let test_indices: [Int] }
    let classes: [String]
    let y_true: [Int]
    let y_pred: [Int]
    let probabilities: [[Double]]
    let folds: [Fold]
    let fold_accuracy: [Double]
    let fold_macro_f1: [Double]
    let accuracy_mean: Double
    let accuracy_std: Double
    let macro_f1_mean: Double
    let macro_f1_std: Double
    let oof_report: String
    let oof_log_loss: Double
}

struct SklearnFixture: Decodable {
    let sklearn_version: String
    let cases: [SklearnCase]
    let cross_validation: SklearnCVCase

    static func load() throws -> SklearnFixture {
        let data = try Data(contentsOf: TestPaths.fixture("metrics/sklearn_reports.json"))
        return try JSONDecoder().decode(SklearnFixture.self, from: data)
    }

    func named(_ name: String) -> SklearnCase? { cases.first { $0.name == name } }
}
