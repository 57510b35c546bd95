/// Which signal put a pair on the near-duplicate list.
public enum DuplicateSignal: String, Sendable, Codable {
    /// Cosine similarity of the embeddings at or above the threshold.
    case cosine
    /// 64-bit DCT perceptual hashes of the pixels within `maxHammingDistance` bits.
    case phash
}

/// Two rows that look like the same photo (edited, re-encoded, resized, mirrored…).
public struct NearDuplicatePair: Equatable, Sendable {
    public let first: Int
    public let second: Int
    /// Cosine similarity of the two embeddings.
    public let cosine: Double
    /// Hamming distance of the perceptual hashes, when both rows have one.
    public let hammingDistance: Int?
    /// The signals that found the pair (one or both).
    public let signals: [DuplicateSignal]
    public let crossClass: Bool
}

public enum NearDuplicates {
    /// Pairs within this many differing bits of a 64-bit perceptual hash are near-duplicates.
    public static let maxHammingDistance = 8

    /// Near-duplicate pairs: cosine ≥ threshold (`cosinePairs`, from the neighbour search) or
    /// perceptual hashes within `maxHammingDistance` bits. Pairs of byte-identical files (same
    /// sha256) are left to the exact-duplicate list. Ranked: most similar embeddings first.
    public static func pairs(cosinePairs: [SimilarPair], rows: UnitRows, labels: [Int], sha256: [String?],
                             perceptualHashes: [UInt64?]?, maxPairs: Int = 1_000_000) -> [NearDuplicatePair] {
        var found: [Int64: (cosine: Double, signals: [DuplicateSignal])] = [:]
        func key(_ a: Int, _ b: Int) -> Int64 { Int64(min(a, b)) << 32 | Int64(max(a, b)) }
        for pair in cosinePairs { found[key(pair.first, pair.second)] = (Double(pair.similarity), [.cosine]) }
        if let hashes = perceptualHashes {
            for (a, b) in hashPairs(hashes, maxDistance: maxHammingDistance, maxPairs: maxPairs) {
                let k = key(a, b)
                if let existing = found[k] {
                    found[k] = (existing.cosine, existing.signals + [.phash])
                } else {
                    found[k] = (rows.similarity(a, b), [.phash])
                }
            }
        }
        var result: [NearDuplicatePair] = []
        for (k, value) in found {
            let a = Int(k >> 32), b = Int(k & 0xFFFF_FFFF)
            if let ha = sha256[a], ha == sha256[b] { continue }
            let distance: Int? = perceptualHashes.flatMap { h in h[a].flatMap { x in h[b].map { ($0 ^ x).nonzeroBitCount } } }
            result.append(NearDuplicatePair(first: a, second: b, cosine: value.cosine, hammingDistance: distance,
                                            signals: value.signals, crossClass: labels[a] != labels[b]))
        }
        return result.sorted { $0.cosine != $1.cosine ? $0.cosine > $1.cosine : ($0.first, $0.second) < ($1.first, $1.second) }
    }

    /// All pairs of rows whose hashes differ in at most `maxDistance` bits (rows without a hash skipped).
    ///
    /// Pigeonhole search, not all n² pairs: the 64 bits are cut into `maxDistance + 1` chunks, and two
    /// hashes within `maxDistance` bits agree exactly on at least one chunk; so only rows sharing a
    /// chunk value are compared. At most `maxPairs` pairs are returned.
    public static func hashPairs(_ hashes: [UInt64?], maxDistance: Int, maxPairs: Int = 1_000_000) -> [(Int, Int)] {
        let chunks = maxDistance + 1
        let widths = (0..<chunks).map { 64 / chunks + ($0 < 64 % chunks ? 1 : 0) }
        var seen = Set<Int64>()
        var pairs: [(Int, Int)] = []
        var shift = 0
        for width in widths {
            let mask: UInt64 = width >= 64 ? ~0 : (1 << UInt64(width)) - 1
            var buckets: [UInt64: [Int]] = [:]
            for (row, hash) in hashes.enumerated() { if let hash { buckets[(hash >> UInt64(shift)) & mask, default: []].append(row) } }
            for members in buckets.values where members.count > 1 {
                for x in 0..<members.count { for y in (x + 1)..<members.count {
                    let a = members[x], b = members[y]
                    guard (hashes[a]! ^ hashes[b]!).nonzeroBitCount <= maxDistance else { continue }
                    if seen.insert(Int64(a) << 32 | Int64(b)).inserted {
                        pairs.append((a, b))
                        if pairs.count >= maxPairs { return pairs }
                    }
                } }
            }
            shift += width
        }
        return pairs.sorted { $0 < $1 }
    }

    /// Groups of rows joined by duplicate pairs (connected components), each ascending, largest first.
    public static func groups(rowCount: Int, pairs: [(Int, Int)]) -> [[Int]] {
        var parent = Array(0..<rowCount)
        func root(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        for (a, b) in pairs { let ra = root(a), rb = root(b); if ra != rb { parent[max(ra, rb)] = min(ra, rb) } }
        var members: [Int: [Int]] = [:]
        for (a, b) in pairs { members[root(a), default: []].append(a); members[root(b), default: []].append(b) }
        return members.values.map { Array(Set($0)).sorted() }.sorted { $0.count != $1.count ? $0.count > $1.count : $0[0] < $1[0] }
    }
}
