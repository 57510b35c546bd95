import ProbeCore
import ProbeTensor

/// A fitted classifier over integer labels.
///
/// Labels are the integers given to `fit` (indices into a list of class names that the caller keeps);
/// `classes` lists the distinct labels seen in training, sorted, like scikit-learn's `classes_`.
public protocol Classifier: Sendable {
    /// Distinct training labels, ascending.
    var classes: [Int] { get }
    /// Number of features each sample must have.
    var featureCount: Int { get }
    /// One label (an element of `classes`) per row of `x` ([n, featureCount]).
    func predict(_ x: Matrix) throws -> [Int]
}

/// A classifier that also gives class probabilities.
public protocol ProbabilisticClassifier: Classifier {
    /// [n, classes.count] probabilities; column k belongs to `classes[k]`; rows sum to 1.
    func predictProbabilities(_ x: Matrix) throws -> Matrix
}

extension Classifier {
    /// Mean accuracy of `predict(x)` against `y`.
    public func score(_ x: Matrix, _ y: [Int]) throws -> Double {
        if y.count != x.rows { throw ClassifierError("\(y.count) labels for \(x.rows) feature rows") }
        if y.isEmpty { throw ClassifierError("no samples to score") }
        let predicted = try predict(x)
        var correct = 0
        for i in 0..<y.count where predicted[i] == y[i] { correct += 1 }
        return Double(correct) / Double(y.count)
    }
}

/// Row-wise argmax with the lowest index winning ties (NumPy's `argmax`), mapped through `classes`.
func argmaxLabels(_ scores: Matrix, classes: [Int]) -> [Int] {
    (0..<scores.rows).map { r in
        var best = 0
        var bestValue = scores.values[r * scores.cols]
        for c in 1..<scores.cols {
            let v = scores.values[r * scores.cols + c]
            if v > bestValue { best = c; bestValue = v }
        }
        return classes[best]
    }
}
