// Confident learning: which given labels the out-of-fold probabilities contradict.
//
// Reference: C. Northcutt, L. Jiang, I. Chuang, "Confident Learning: Estimating Uncertainty in
// Dataset Labels", Journal of Artificial Intelligence Research 70 (2021), 1373–1411; the rules below
// are those of its reference implementation (cleanlab 2.x `find_label_issues` with its default
// filter, "prune by noise rate"), which `reference/confident_learning_reference.py` runs to make the
// golden values this file is tested against.
//
// With P [n, K] out-of-fold probabilities and y the given labels:
// 1. Per-class threshold t_k = mean of P[i, k] over the rows with y_i = k (the class's average
//    self-confidence); a class without rows gets t_k = 2, which no probability reaches. t_k ≥ 2e-6.
// 2. A row is confidently counted when some P[i, j] ≥ t_j − 1e-6; its guess is that class j, or the
//    arg max of P[i, ·] when several classes clear their thresholds.
// 3. The confident joint C[k][j] counts confidently counted rows with given k and guess j (its
//    diagonal at least 1), then is calibrated: each row k scaled to the count of label k, the whole
//    scaled to n, and rounded keeping each row's total (largest remainders first).
// 4. Per given class k, the diagonal is raised to at least 1 (taking the excess evenly from the
//    row's non-zero counts) and re-rounded keeping each column's total; then for each other class j the C[k][j]
//    rows of class k with the largest margin P[i, j] − P[i, k] are flagged.
// 5. A row whose arg max (with its given label favoured by 1e-6) is its given label is never flagged.
// Flagged rows are ranked by self-confidence P[i, y_i] (lowest first) or by normalized margin
// P[i, y_i] − max_{j≠y_i} P[i, j].

/// Confident learning on out-of-fold probabilities; see the file header for the rules and the paper.
public struct ConfidentLearning: Sendable {
    /// Per-class thresholds t_k, `[K]`.
    public let thresholds: [Double]
    /// The calibrated confident joint, `[K][K]`: rows = given label, columns = confident guess.
    public let confidentJoint: [[Int]]
    /// Flagged rows (ascending row index).
    public let flagged: [Int]
    /// The confident guess of each row, or nil when no class cleared its threshold.
    public let guesses: [Int?]

    /// `probabilities` is `[n][K]` (rows sum to 1), `labels` n class indices in 0..<K.
    public init(probabilities p: [[Double]], labels y: [Int], classCount kc: Int) {
        let n = y.count
        precondition(p.count == n && p.allSatisfy { $0.count == kc }, "ConfidentLearning: probabilities must be [n][K]")
        // 1. Thresholds.
        var sums = [Double](repeating: 0, count: kc), counts = [Int](repeating: 0, count: kc)
        for i in 0..<n { sums[y[i]] += p[i][y[i]]; counts[y[i]] += 1 }
        let thresholds = (0..<kc).map { k in max(counts[k] > 0 ? sums[k] / Double(counts[k]) : 2, 2e-6) }
        // 2–3. Confident guesses and the raw joint.
        var joint = [[Double]](repeating: [Double](repeating: 0, count: kc), count: kc)
        var guesses = [Int?](repeating: nil, count: n)
        for i in 0..<n {
            var confident = 0, firstConfident = -1
            for j in 0..<kc where p[i][j] >= thresholds[j] - 1e-6 {
                confident += 1
                if firstConfident < 0 { firstConfident = j }
            }
            guard confident > 0 else { continue }
            let guess = confident > 1 ? Self.argmax(p[i]) : firstConfident
            guesses[i] = guess
            joint[y[i]][guess] += 1
        }
        for k in 0..<kc { joint[k][k] = max(joint[k][k], 1) }
        // Calibration: row k sums to the count of label k, the whole to n.
        for k in 0..<kc {
            let rowSum = max(joint[k].reduce(0, +), 1e-100)
            for j in 0..<kc { joint[k][j] = joint[k][j] / rowSum * Double(counts[k]) }
        }
        let total = max(joint.reduce(0) { $0 + $1.reduce(0, +) }, 1e-100)
        for k in 0..<kc { for j in 0..<kc { joint[k][j] = joint[k][j] / total * Double(n) } }
        let calibrated = joint.map(Self.roundKeepingSum)
        // 4. Keep at least one row per class: raise the diagonal, take it evenly from the off-diagonals.
        var prune = calibrated.map { $0.map(Double.init) }
        for k in 0..<kc {
            let raise = max(prune[k][k], 1) - prune[k][k]
            let nonZero = max(Double(prune[k].filter { $0 != 0 }.count) - 1, 1)
            for j in 0..<kc where j != k { prune[k][j] = max(prune[k][j] - raise / nonZero, 0) }
            prune[k][k] = max(prune[k][k], 1)
        }
        // Re-rounded per guessed class (cleanlab keeps this matrix transposed and rounds its rows).
        let columns = (0..<kc).map { j in Self.roundKeepingSum((0..<kc).map { prune[$0][j] }) }
        let pruneCounts = (0..<kc).map { k in (0..<kc).map { columns[$0][k] } }
        // Per given class, the rows with the largest margin towards each other class.
        var flaggedMask = [Bool](repeating: false, count: n)
        var members = [[Int]](repeating: [], count: kc)
        for i in 0..<n { members[y[i]].append(i) }
        for k in 0..<kc where members[k].count > 1 {
            for j in 0..<kc where j != k && pruneCounts[k][j] > 0 {
                let ranked = members[k].sorted { a, b in
                    let ma = p[a][j] - p[a][k], mb = p[b][j] - p[b][k]
                    return ma != mb ? ma > mb : a < b
                }
                for i in ranked.prefix(pruneCounts[k][j]) { flaggedMask[i] = true }
            }
        }
        // 5. Never flag a row the model predicts as its given label.
        for i in 0..<n where flaggedMask[i] {
            var favoured = p[i]
            favoured[y[i]] += 1e-6
            if Self.argmax(favoured) == y[i] { flaggedMask[i] = false }
        }
        self.thresholds = thresholds
        self.confidentJoint = calibrated
        self.flagged = (0..<n).filter { flaggedMask[$0] }
        self.guesses = guesses
    }

    /// Self-confidence P[i, y_i] of each row.
    public static func selfConfidence(probabilities p: [[Double]], labels y: [Int]) -> [Double] {
        zip(p, y).map { $0[$1] }
    }

    /// Normalized margin P[i, y_i] − max_{j≠y_i} P[i, j] of each row (in [−1, 1]).
    public static func normalizedMargin(probabilities p: [[Double]], labels y: [Int]) -> [Double] {
        zip(p, y).map { row, label in
            let other = row.indices.filter { $0 != label }.map { row[$0] }.max() ?? 0
            return row[label] - other
        }
    }

    /// First index of the largest value.
    static func argmax(_ v: [Double]) -> Int {
        var best = 0
        for j in 1..<max(1, v.count) where v[j] > v[best] { best = j }
        return best
    }

    /// Rounds each value to an integer so that the rounded values keep the rounded sum: the values
    /// whose rounding lost the most are raised (or, when the sum is over, those that gained most lowered).
    static func roundKeepingSum(_ values: [Double]) -> [Int] {
        var ints = values.map { $0.rounded(.toNearestOrEven) }
        let target = values.reduce(0, +).rounded(.toNearestOrEven)
        var sum = ints.reduce(0, +).rounded(.toNearestOrEven)
        while abs(sum - target) > 1e-6 {
            let difference = (target - sum).rounded(.toNearestOrEven)
            let step: Double = difference < 0 ? -1 : 1
            let changes = min(Int(abs(difference)), values.count)
            // Order by value − rounded; raising takes the largest first, lowering the smallest first.
            let order = values.indices.sorted { values[$0] - ints[$0] < values[$1] - ints[$1] }
            let chosen = step > 0 ? Array(order.reversed().prefix(changes)) : Array(order.prefix(changes))
            for i in chosen { ints[i] += step }
            sum = ints.reduce(0, +).rounded(.toNearestOrEven)
        }
        return ints.map { Int($0) }
    }
}
