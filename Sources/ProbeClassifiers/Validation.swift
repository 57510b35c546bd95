import ProbeCore
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
///
/// v − v is 0 for a finite v and NaN for NaN or ±∞, so a block whose sum of v − v (eight lanes at a
/// time) is NaN holds a bad value, and only that block is searched one value at a time. A plain
/// per-value test cost about as much as a pass of the logistic-regression solver.
func validateFinite(_ x: Matrix, what: String) throws {
    let block = 4096
    let bad: Int? = x.values.withUnsafeBufferPointer { v in
        var start = 0
        while start < v.count {
            let end = min(v.count, start + block)
            var lanes = SIMD8<Float>(repeating: 0)
            var i = start
            while i + 8 <= end {
                let value = UnsafeRawPointer(v.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                lanes += value - value
                i += 8
            }
            var total = lanes.sum()
            while i < end { total += v[i] - v[i]; i += 1 }
            if total.isNaN {
                for j in start..<end where !v[j].isFinite { return j }
            }
            start = end
        }
        return nil
    }
    if let i = bad {
        let value = x.values[i]
        throw ClassifierError("\(what) value at row \(i / x.cols), column \(i % x.cols) is \(value.isNaN ? "NaN" : "infinite")")
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
