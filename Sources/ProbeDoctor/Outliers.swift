/// A row that sits far from the rest of the data, or among rows of other classes.
public struct Outlier: Equatable, Sendable {
    public let row: Int
    /// Cosine distance to the k-th nearest neighbour (see `Outliers.scores`); higher is more isolated.
    public let score: Double
    /// Mean cosine distance (1 − similarity) to the row's k nearest neighbours.
    public let meanDistance: Double
    /// True when every one of the k nearest neighbours carries another label.
    public let neighborsDisagree: Bool
}

public enum Outliers {
    /// The outlier score of each row: the cosine distance to its k-th nearest neighbour,
    ///     score_i = 1 − cos(x_i, x_(k)),   x_(k) the k-th most similar other row,
    /// with the mean distance to the k nearest alongside. A photo from another distribution has no
    /// k close rows; the k-th distance asks for k of them, so a handful of strays that resemble
    /// each other (a few flower photos among cats and dogs) still score high. A local ratio
    /// (k-distance over the neighbours' own, as in LOF) was measured and rejected: such strays are
    /// each other's neighbours and score about 1 (AUROC 0.55 against 0.998, BENCHMARKS.md).
    public static func scores(_ lists: NeighborLists) -> (scores: [Double], meanDistances: [Double]) {
        let n = lists.rowCount, k = lists.k
        guard k > 0 else { return ([Double](repeating: 0, count: n), [Double](repeating: 0, count: n)) }
        let mean = (0..<n).map { row in
            (0..<k).reduce(0.0) { $0 + (1 - Double(lists.similarities[row * k + $1])) } / Double(k)
        }
        let scores = (0..<n).map { row in 1 - Double(lists.similarities[row * k + k - 1]) }
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
