/// SplitMix64 (Steele, Lea & Flood 2014): a 64-bit state advanced by the golden-ratio increment and
/// finalised by two xor-shift-multiply rounds. Its output depends on nothing but the seed, so seeded
/// splits repeat bit for bit on every machine and Swift version.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in 0..<bound by rejection (no modulo bias), independent of the standard library.
    public mutating func uniform(below bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        let limit = UInt64.max - (UInt64.max % b)  // largest multiple of b, exclusive
        while true {
            let r = next()
            if r < limit { return Int(r % b) }
        }
    }

    /// Fisher–Yates shuffle, walking from the end, drawing with `uniform(below:)`.
    public mutating func shuffle<T>(_ a: inout [T]) {
        var i = a.count - 1
        while i > 0 {
            a.swapAt(i, uniform(below: i + 1))
            i -= 1
        }
    }
}

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
