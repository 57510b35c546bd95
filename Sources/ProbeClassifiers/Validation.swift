import ProbeTensor

/// Checks shared by every `fit`: non-empty, finite, labels matching rows, at least two classes.
/// Returns the sorted distinct labels (the model's `classes`, as scikit-learn's `classes_`).
func validateTrainingData(_ x: Matrix, _ y: [Int], sampleWeights: [Float]?) throws -> [Int] {
    if x.rows == 0 { throw ClassifierError("no training samples: the feature matrix has 0 rows") }
    if x.cols == 0 { throw ClassifierError("the feature matrix has 0 columns") }
    if y.count != x.rows { throw ClassifierError("\(y.count) labels for \(x.rows) feature rows") }
    if let bad = y.firstIndex(where: { $0 < 0 }) { throw ClassifierError("label \(y[bad]) at row \(bad) is negative") }
    try validateFinite(x, what: "feature")
    if let w = sampleWeights {
        if w.count != x.rows { throw ClassifierError("\(w.count) sample weights for \(x.rows) feature rows") }
        if let bad = w.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw ClassifierError("sample weight \(w[bad]) at row \(bad) is not a finite non-negative number")
        }
        if !w.contains(where: { $0 > 0 }) { throw ClassifierError("all sample weights are zero") }
    }
    let classes = Array(Set(y)).sorted()
    if classes.count < 2 {
        throw ClassifierError("the training data holds only one class (label \(classes[0])); a classifier needs at least two")
    }
    return classes
}

/// Throws on the first NaN or infinity, naming its row and column.
func validateFinite(_ x: Matrix, what: String) throws {
    try x.values.withUnsafeBufferPointer { v in
        for i in 0..<v.count where !v[i].isFinite {
            throw ClassifierError("\(what) value at row \(i / x.cols), column \(i % x.cols) is \(v[i].isNaN ? "NaN" : "infinite")")
        }
    }
}

/// Throws unless `x` has the model's number of columns and finite values.
func validateQuery(_ x: Matrix, featureCount: Int) throws {
    if x.cols != featureCount {
        throw ClassifierError("features have \(x.cols) columns but the model was trained on \(featureCount)")
    }
    try validateFinite(x, what: "feature")
}

/// Index of each label in `classes` (sorted), for labels known to be in it.
func classIndices(_ y: [Int], classes: [Int]) -> [Int] {
    var lookup = [Int: Int]()
    for (k, c) in classes.enumerated() { lookup[c] = k }
    return y.map { lookup[$0]! }
}
