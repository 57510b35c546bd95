import ProbeCore
import ProbeTensor

/// Rows of each class, classes ascending, rows ascending within a class.
private func rowsByClass(_ y: [Int]) -> [(label: Int, rows: [Int])] {
    var groups = [Int: [Int]]()
    for (i, label) in y.enumerated() { groups[label, default: []].append(i) }
    return groups.keys.sorted().map { ($0, groups[$0]!) }
}

private func requireTwoPerClass(_ groups: [(label: Int, rows: [Int])], purpose: String) throws {
    if groups.isEmpty { throw ClassifierError("no samples to split") }
    if let lonely = groups.first(where: { $0.rows.count < 2 }) {
        throw ClassifierError("class \(lonely.label) has only \(lonely.rows.count) sample; \(purpose) needs at least 2 per class")
    }
}

/// A seeded, stratified hold-out split: each class gives `round(fraction × count)` of its rows to
/// validation (at least 1 and at most count − 1), chosen by a SplitMix64 shuffle of that class.
///
/// Returns ascending row indices. Every class has at least one row on each side.
public func stratifiedSplit(labels y: [Int], validationFraction: Double, seed: UInt64) throws -> (train: [Int], validation: [Int]) {
    guard validationFraction > 0, validationFraction < 1 else {
        throw ClassifierError("validation fraction \(validationFraction) is not between 0 and 1")
    }
    let groups = rowsByClass(y)
    try requireTwoPerClass(groups, purpose: "a stratified split")
    var rng = SplitMix64(seed: seed)
    var train = [Int](), validation = [Int]()
    for group in groups {
        var rows = group.rows
        rng.shuffle(&rows)
        let count = rows.count
        let nValidation = min(count - 1, max(1, Int((validationFraction * Double(count)).rounded())))
        validation += rows[..<nValidation]
        train += rows[nValidation...]
    }
    return (train.sorted(), validation.sorted())
}

/// Stratified k-fold cross-validation with seeded shuffling.
///
/// Each class's rows are shuffled (SplitMix64) and dealt to the folds in turn, continuing the turn
/// from one class to the next, so fold sizes differ by at most one, each class is spread as evenly as
/// its count allows, and every row is tested exactly once.
public struct StratifiedKFold: Sendable {
    public let folds: Int
    public let seed: UInt64

    public init(folds: Int = 5, seed: UInt64 = 0) {
        self.folds = folds
        self.seed = seed
    }

    /// `folds` pairs of ascending row indices; the test parts partition 0..<y.count.
    public func splits(labels y: [Int]) throws -> [(train: [Int], test: [Int])] {
        guard folds >= 2 else { throw ClassifierError("cross-validation needs at least 2 folds, not \(folds)") }
        guard y.count >= folds else { throw ClassifierError("\(y.count) samples cannot fill \(folds) folds") }
        let groups = rowsByClass(y)
        try requireTwoPerClass(groups, purpose: "stratified cross-validation")
        var rng = SplitMix64(seed: seed)
        var foldOf = [Int](repeating: 0, count: y.count)
        var turn = 0
        for group in groups {
            var rows = group.rows
            rng.shuffle(&rows)
            for row in rows {
                foldOf[row] = turn % folds
                turn += 1
            }
        }
        return (0..<folds).map { f in
            (train: (0..<y.count).filter { foldOf[$0] != f }, test: (0..<y.count).filter { foldOf[$0] == f })
        }
    }
}
