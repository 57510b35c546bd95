/// Rows whose files have the same bytes (the sha256 the store's index records for every row).
public struct DuplicateGroup: Equatable, Sendable {
    /// Row indices, ascending.
    public let rows: [Int]
    public let sha256: String
    /// True when the rows carry more than one label: one of the copies is mislabelled.
    public let crossClass: Bool
}

public enum ExactDuplicates {
    /// Groups of two or more rows with equal sha256 (rows without a hash are left out). Ranked:
    /// groups spanning classes first, then larger groups, then by first row.
    public static func groups(sha256: [String?], labels: [Int]) -> [DuplicateGroup] {
        var byHash: [String: [Int]] = [:]
        for (row, hash) in sha256.enumerated() { if let hash { byHash[hash, default: []].append(row) } }
        let groups = byHash.filter { $0.value.count > 1 }.map { hash, rows in
            DuplicateGroup(rows: rows.sorted(), sha256: hash, crossClass: Set(rows.map { labels[$0] }).count > 1)
        }
        return groups.sorted { a, b in
            if a.crossClass != b.crossClass { return a.crossClass }
            if a.rows.count != b.rows.count { return a.rows.count > b.rows.count }
            return a.rows[0] < b.rows[0]
        }
    }
}
