import Foundation
// Choice of the regularisation C for a linear probe: fit on a stratified, seeded part of the training
// data for each C of a log-spaced grid, score accuracy on the held-out part, then refit on all of the
// training data with the C that scored best (the smallest C among equals, for the simpler model).
import ProbeCore
import ProbeTensor

public struct CSearch: Sendable {
    /// Candidate values of C, ascending.
    public var grid: [Double]
    public var validationFraction: Double
    public var seed: UInt64

    /// The default grid 1e-4, 1e-3, …, 1e4.
    public static let logGrid: [Double] = (-4...4).map { pow10($0) }

    public init(grid: [Double] = CSearch.logGrid, validationFraction: Double = 0.2, seed: UInt64 = 0) {
        self.grid = grid
        self.validationFraction = validationFraction
        self.seed = seed
    }

    /// `fit(c, x, y)` trains a model (scaling, if any, belongs inside it, fitted on the x it is given).
    public func run<Model: Classifier>(x: Matrix, y: [Int], fit: (Double, Matrix, [Int]) throws -> Model) throws -> CSearchResult<Model> {
        guard !grid.isEmpty else { throw ClassifierError("the C grid is empty") }
        if let bad = grid.first(where: { !($0 > 0) || !$0.isFinite }) { throw ClassifierError("C = \(bad) in the grid is not a positive number") }
        if y.count != x.rows { throw ClassifierError("\(y.count) labels for \(x.rows) feature rows") }
        let split = try stratifiedSplit(labels: y, validationFraction: validationFraction, seed: seed)
        let xTrain = selectRows(x, split.train), xValidation = selectRows(x, split.validation)
        let yTrain = split.train.map { y[$0] }, yValidation = split.validation.map { y[$0] }
        var curve = [(c: Double, validationAccuracy: Double)]()
        for c in grid {
            let model = try fit(c, xTrain, yTrain)
            curve.append((c, try model.score(xValidation, yValidation)))
        }
        // Small validation splits often tie several C values at the same accuracy. With no
        // evidence between them, take the one nearest scikit-learn's default C = 1 (in log
        // scale) rather than the grid's first, which would be the most regularised.
        var best = 0
        for i in 1..<curve.count {
            let (a, b) = (curve[i], curve[best])
            if a.validationAccuracy > b.validationAccuracy
                || (a.validationAccuracy == b.validationAccuracy && abs(log10(a.c)) < abs(log10(b.c))) { best = i }
        }
        let model = try fit(curve[best].c, x, y)
        return CSearchResult(curve: curve, bestC: curve[best].c, model: model)
    }
}

public struct CSearchResult<Model: Classifier> {
    /// Validation accuracy for each C of the grid, in grid order.
    public let curve: [(c: Double, validationAccuracy: Double)]
    public let bestC: Double
    /// Refitted on all of the training data with `bestC`.
    public let model: Model
}

private func pow10(_ e: Int) -> Double {
    var v = 1.0
    for _ in 0..<abs(e) { v *= 10 }
    return e >= 0 ? v : 1 / v
}

/// The rows `indices` of `m`, in that order.
public func selectRows(_ m: Matrix, _ indices: [Int]) -> Matrix {
    var values = [Float]()
    values.reserveCapacity(indices.count * m.cols)
    for i in indices { values += m.values[(i * m.cols)..<((i + 1) * m.cols)] }
    return Matrix(rows: indices.count, cols: m.cols, values: values)
}
