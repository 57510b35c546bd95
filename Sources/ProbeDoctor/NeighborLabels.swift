/// The neighbours' view of the labels: for each row, the share of its k nearest neighbours (by
/// cosine similarity of the embeddings) that carry each class. `[n][K]`, rows sum to 1 (a row with
/// no neighbours gets its own label's share 1).
public enum NeighborLabels {
    public static func shares(_ lists: NeighborLists, labels: [Int], classCount: Int) -> [[Double]] {
        (0..<lists.rowCount).map { row in
            var share = [Double](repeating: 0, count: classCount)
            guard lists.k > 0 else { share[labels[row]] = 1; return share }
            for t in 0..<lists.k { share[labels[Int(lists.indices[row * lists.k + t])]] += 1 / Double(lists.k) }
            return share
        }
    }
}
