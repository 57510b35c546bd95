import Foundation
import ProbeCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only view of a store as one logical `[rowCount, dim]` matrix, rows in manifest
/// shard order. Embedding files are memory-mapped, not read: opening a store of any size
/// costs its labels and paths in RAM, and the page cache serves the embeddings.
///
/// On open every shard is checked against the manifest (dtype, shape, file length, label
/// range, one index line per row); checksums are `StoreVerifier`'s job.
public final class FeatureStore: @unchecked Sendable {
    // @unchecked: every stored property is immutable after init and the mappings are read-only.

    public let directory: URL
    public let manifest: StoreManifest
    public var identity: StoreIdentity { manifest.identity }
    public var classes: [String] { manifest.classes }
    public var dim: Int { manifest.identity.dim }
    public var dtype: EmbeddingDType { manifest.identity.dtype }
    /// Number of rows (n).
    public let rowCount: Int
    /// Class index of each row, `[rowCount]`.
    public let labels: [Int]
    /// Dataset-relative path of each row, `[rowCount]`.
    public let paths: [String]
    /// The `PerceptualHash` of each row's decoded picture, `[rowCount]`; nil for rows written
    /// before Probe stored hashes (re-extract with `--overwrite` to add them).
    /// `PerceptualHash.hammingDistance(a, b) <= 8` is a likely near-duplicate.
    public let perceptualHashes: [UInt64?]
    /// True when every row has a perceptual hash (false for an empty store).
    public var hasPerceptualHashes: Bool { rowCount > 0 && !perceptualHashes.contains(nil) }

    private let shards: [MappedShard]
    /// First logical row of each shard; `shardStarts[k] ..< shardStarts[k] + shards[k].rows`.
    private let shardStarts: [Int]

    public init(directory: URL) throws {
        self.directory = directory
        let manifest = try StoreManifest.require(directory: directory)
        self.manifest = manifest
        var shards: [MappedShard] = []
        var starts: [Int] = []
        var labels: [Int] = []
        var paths: [String] = []
        var perceptualHashes: [UInt64?] = []
        var counts = [Int](repeating: 0, count: manifest.classes.count)
        var total = 0
        for record in manifest.shards {
            let mapped = try MappedShard(url: directory.appendingPathComponent(record.embeddings), rows: record.rows,
                                         dim: manifest.identity.dim, dtype: manifest.identity.dtype)
            // Reserved only now: the embeddings file's length has bounded the manifest's row count
            // (a 100-byte manifest claiming a trillion rows must not allocate terabytes).
            labels.reserveCapacity(labels.count + record.rows)
            paths.reserveCapacity(paths.count + record.rows)
            perceptualHashes.reserveCapacity(perceptualHashes.count + record.rows)
            let labelsURL = directory.appendingPathComponent(record.labels)
            let shardLabels = try ShardFiles.readLabels(labelsURL, rows: record.rows)
            let indexURL = directory.appendingPathComponent(record.index)
            let entries = try ShardFiles.readIndex(indexURL, rows: record.rows)
            for (label, entry) in zip(shardLabels, entries) {
                guard counts.indices.contains(Int(label)) else {
                    throw StoreError(.corrupt, "\(labelsURL.path): label \(label) is outside the \(manifest.classes.count) classes")
                }
                guard Int(label) == entry.label else {
                    throw StoreError(.corrupt, "\(indexURL.path): \(entry.path) has label \(entry.label) but the labels file says \(label)")
                }
                counts[Int(label)] += 1
                labels.append(Int(label))
                paths.append(entry.path)
                perceptualHashes.append(entry.perceptualHash)
            }
            shards.append(mapped)
            starts.append(total)
            total += record.rows
        }
        guard counts == manifest.totals.classCounts else {
            throw StoreError(.corrupt, "\(directory.path): class counts \(counts) in the shards differ from the manifest's \(manifest.totals.classCounts)")
        }
        self.shards = shards
        self.shardStarts = starts
        self.rowCount = total
        self.labels = labels
        self.paths = paths
        self.perceptualHashes = perceptualHashes
    }

    /// Every row's index entry (path, label, size, mtime, file sha256, perceptual hash), `[rowCount]`
    /// in row order, read again from the shard indexes: the store keeps only paths and hashes in RAM.
    public func indexEntries() throws -> [DatasetFile] {
        var entries: [DatasetFile] = []
        entries.reserveCapacity(rowCount)
        for record in manifest.shards {
            entries += try ShardFiles.readIndex(directory.appendingPathComponent(record.index), rows: record.rows)
        }
        return entries
    }

    /// Row `row` as a fresh array of `dim` floats.
    public func row(_ row: Int) -> [Float] {
        withRow(row) { Array($0) }
    }

    /// Calls `body` with row `row` as `dim` floats: the mapped bytes themselves for float32,
    /// a converted copy for float16. The pointer is valid only inside `body`.
    public func withRow<R>(_ row: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition((0..<rowCount).contains(row), "FeatureStore: row \(row) outside 0..<\(rowCount)")
        let (shard, local) = locate(row)
        switch dtype {
        case .float32:
            return try body(UnsafeBufferPointer(start: shards[shard].float32Rows(local, count: 1), count: dim))
        case .float16:
            var converted = [Float](repeating: 0, count: dim)
            converted.withUnsafeMutableBufferPointer { shards[shard].convertFloat16Rows(local, count: 1, into: $0.baseAddress!) }
            return try converted.withUnsafeBufferPointer(body)
        }
    }

    /// Visits all rows in order, in blocks of at most `maxRows` rows that never straddle a
    /// shard. For float32 a block's values are the mapped shard memory (no copy); for float16
    /// they are converted into one scratch buffer of `maxRows * dim` floats, reused per block.
    public func forEachBlock(maxRows: Int = 1024, _ body: (EmbeddingBlock) throws -> Void) rethrows {
        precondition(maxRows >= 1, "FeatureStore: maxRows must be at least 1")
        var scratch = [Float](repeating: 0, count: dtype == .float16 ? maxRows * dim : 0)
        try scratch.withUnsafeMutableBufferPointer { scratch in
            for (k, shard) in shards.enumerated() {
                var local = 0
                while local < shard.rows {
                    let count = min(maxRows, shard.rows - local)
                    let first = shardStarts[k] + local
                    let values: UnsafeBufferPointer<Float>
                    switch dtype {
                    case .float32:
                        values = UnsafeBufferPointer(start: shard.float32Rows(local, count: count), count: count * dim)
                    case .float16:
                        shard.convertFloat16Rows(local, count: count, into: scratch.baseAddress!)
                        values = UnsafeBufferPointer(rebasing: scratch[0..<(count * dim)])
                    }
                    try body(EmbeddingBlock(firstRow: first, rows: count, dim: dim, values: values,
                                            labels: labels[first..<(first + count)]))
                    local += count
                }
            }
        }
    }

    /// The rows at `indices` (in that order, repeats allowed) copied into a `[indices.count, dim]` Matrix.
    public func copyRows(_ indices: [Int]) -> Matrix {
        var values = [Float](repeating: 0, count: indices.count * dim)
        values.withUnsafeMutableBufferPointer { out in
            for (i, row) in indices.enumerated() {
                precondition((0..<rowCount).contains(row), "FeatureStore: row \(row) outside 0..<\(rowCount)")
                let (shard, local) = locate(row)
                let target = out.baseAddress! + i * dim
                switch dtype {
                case .float32: target.update(from: shards[shard].float32Rows(local, count: 1), count: dim)
                case .float16: shards[shard].convertFloat16Rows(local, count: 1, into: target)
                }
            }
        }
        return Matrix(rows: indices.count, cols: dim, values: values)
    }

    /// All rows as one `[rowCount, dim]` Matrix (a copy: for stores that fit in RAM).
    public func matrix() -> Matrix { copyRows(Array(0..<rowCount)) }

    /// Rows per class, aligned with `classes`.
    public var classCounts: [Int] { manifest.totals.classCounts }

    /// (shard, row within shard) of a logical row: binary search over shard starts.
    private func locate(_ row: Int) -> (Int, Int) {
        var low = 0, high = shardStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if shardStarts[mid] <= row { low = mid } else { high = mid - 1 }
        }
        // Empty shards share a start with their successor; step past them.
        while shards[low].rows <= row - shardStarts[low] { low += 1 }
        return (low, row - shardStarts[low])
    }
}

/// A run of consecutive rows handed to `FeatureStore.forEachBlock`.
public struct EmbeddingBlock {
    /// Logical index of the block's first row.
    public let firstRow: Int
    public let rows: Int
    public let dim: Int
    /// `[rows, dim]` row-major; valid only inside the closure that received the block.
    public let values: UnsafeBufferPointer<Float>
    /// Class index of each row of the block.
    public let labels: ArraySlice<Int>
}

/// One embeddings file mapped read-only.
final class MappedShard {
    let rows: Int
    let dim: Int
    private let base: UnsafeMutableRawPointer
    private let length: Int
    private let data: UnsafeRawPointer

    init(url: URL, rows: Int, dim: Int, dtype: EmbeddingDType) throws {
        let file = try FileDescriptor.openForReading(url)
        defer { file.close() }
        let header = try ShardFiles.checkEmbeddings(file, url: url, rows: rows, dim: dim, dtype: dtype)
        let length = try file.size()
        guard let mapped = mmap(nil, length, PROT_READ, MAP_SHARED, file.fd, 0), mapped != MAP_FAILED else {
            throw StoreError(.io, "\(url.path): cannot memory-map (\(errnoText()))")
        }
        self.rows = rows
        self.dim = dim
        self.base = mapped
        self.length = length
        // numpy aligns the data to 64 bytes, so the pointer is aligned for Float and Float16.
        self.data = UnsafeRawPointer(mapped + header.dataOffset)
    }

    deinit { munmap(base, length) }

    func float32Rows(_ row: Int, count: Int) -> UnsafePointer<Float> {
        (data + row * dim * 4).assumingMemoryBound(to: Float.self)
    }

    /// Widens `count` float16 rows starting at `row` into `target` (exact: every half is a float).
    func convertFloat16Rows(_ row: Int, count: Int, into target: UnsafeMutablePointer<Float>) {
        let source = (data + row * dim * 2).assumingMemoryBound(to: Float16.self)
        for i in 0..<(count * dim) { target[i] = Float(source[i]) }
    }
}
