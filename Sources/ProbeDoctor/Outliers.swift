/// A row that sits far from the rest of the data, or among rows of other classes.
public struct Outlier: Equatable, Sendable {
    public let row: Int
    /// The local k-distance ratio (see `Outliers.scores`); higher is more isolated.
    public let score: Double
    /// Mean cosine distance (1 − similarity) to the row's k nearest neighbours.
    public let meanDistance: Double
    /// True when every one of the k nearest neighbours carries another label.
    public let neighborsDisagree: Bool
}

public enum Outliers {
    /// The outlier score of each row: its mean cosine distance to its k nearest neighbours divided by
    /// the average of that same mean distance over those neighbours,
    ///     score_i = d̄_i / mean_{j ∈ N_k(i)} d̄_j,   d̄_i = (1/k) Σ_{j ∈ N_k(i)} (1 − cos(x_i, x_j)).
    /// A row as far from its neighbours as they are from theirs scores about 1; a photo from another
    /// distribution, whose nearest rows sit in a dense region it does not belong to, scores well
    /// above 1. The ratio (a simplified local outlier factor, Breunig et al., SIGMOD 2000) keeps a
    /// naturally spread-out class from filling the list, which a plain k-distance does.
    public static func scores(_ lists: NeighborLists) -> (scores: [Double], meanDistances: [Double]) {
        let n = lists.rowCount, k = lists.k
        guard k > 0 else { return ([Double](repeating: 0, count: n), [Double](repeating: 0, count: n)) }
        let mean = (0..<n).map { row in
            (0..<k).reduce(0.0) { $0 + (1 - Double(lists.similarities[row * k + $1])) } / Double(k)
        }
        let scores = (0..<n).map { row -> Double in
            let around = (0..<k).reduce(0.0) { $0 + mean[Int(lists.indices[row * k + $1])] } / Double(k)
            return around > 1e-12 ? mean[row] / around : (mean[row] > 1e-12 ? Double.greatestFiniteMagnitude : 1)
        }
        return (scores, mean)
    }

    /// The `top` highest-scoring rows, highest first (ties: lower row first).
    public static func ranked(_ lists: NeighborLists, labels: [Int], top: Int) -> [Outlier] {
        let (scores, mean) = self.scores(lists)
        let k = lists.k
        let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        return order.prefix(top).map { row in
            let disagree = k > 0 && (0..<k).allSatisfy { labels[Int(lists.indices[row * k + $0])] != labels[row] }
            return Outlier(row: row, score: scores[row], meanDistance: mean[row], neighborsDisagree: disagree)
        }
    }
}
