/// The neighbours' view of the labels: for each row, the share of its k nearest neighbours (by
/// cosine similarity of the embeddings) that carry each class. `[n][K]`, rows sum to 1.
public enum NeighborLabels {
    /// Shares over each row's neighbour list.
    public static func shares(_ lists: NeighborLists, labels: [Int], classCount: Int, ignoring ignored: [Bool]? = nil) -> [[Double]] {
        shares(neighbors: (0..<lists.rowCount).map { row in (0..<lists.k).map { Int(lists.indices[row * lists.k + $0]) } },
               labels: labels, classCount: classCount, ignoring: ignored)
    }

    /// `neighbors[i]` lists row i's neighbours. With `ignored`, the neighbours it marks do not vote:
    /// the shares are over the others (a row whose neighbours are all ignored keeps the shares of
    /// all of them). A row with no neighbours gets its own label's share 1.
    public static func shares(neighbors: [[Int]], labels: [Int], classCount: Int, ignoring ignored: [Bool]? = nil) -> [[Double]] {
        neighbors.enumerated().map { row, list in
            var share = [Double](repeating: 0, count: classCount)
            guard !list.isEmpty else { share[labels[row]] = 1; return share }
            let voters = ignored.map { mask in list.filter { !mask[$0] } } ?? list
            let counted = voters.isEmpty ? list : voters
            for j in counted { share[labels[j]] += 1 / Double(counted.count) }
            return share
        }
    }
}
