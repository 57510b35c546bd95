import Foundation
import ProbeCore

/// What `StoreVerifier` found in one shard.
public struct ShardVerification: Equatable, Sendable {
    /// e.g. `shard-00003`
    public let name: String
    public let rows: Int
    /// One line per problem, naming the file; empty when the shard is intact.
    public let problems: [String]
    public var isIntact: Bool { problems.isEmpty }
}

/// The result of checking a whole store.
public struct StoreVerification: Equatable, Sendable {
    public let directory: URL
    public let shards: [ShardVerification]
    /// Problems not tied to one shard (totals, paths stored twice, errors.jsonl).
    public let storeProblems: [String]
    public var rows: Int { shards.reduce(0) { $0 + $1.rows } }
    public var damagedShards: [ShardVerification] { shards.filter { !$0.isIntact } }
    public var isIntact: Bool { storeProblems.isEmpty && damagedShards.isEmpty }
}

/// Recomputes every checksum in the manifest and re-checks every shard's structure.
public enum StoreVerifier {
    /// Throws only when there is no readable manifest; damage inside the store is reported, not thrown.
    public static func verify(directory: URL) throws -> StoreVerification {
        let manifest = try StoreManifest.require(directory: directory)
        var reports: [ShardVerification] = []
        var storeProblems: [String] = []
        var counts = [Int](repeating: 0, count: manifest.classes.count)
        var firstShardOfPath: [String: String] = [:]
        for shard in manifest.shards {
            var problems: [String] = []
            let files = [(shard.embeddings, shard.sha256.embeddings), (shard.labels, shard.sha256.labels), (shard.index, shard.sha256.index)]
            for (name, expected) in files {
                let url = directory.appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: url.path) else { problems.append("\(name): missing"); continue }
                do {
                    let actual = try SHA256Digest.file(url)
                    if actual != expected { problems.append("\(name): sha256 \(actual.prefix(12))… does not match the manifest's \(expected.prefix(12))…") }
                } catch { problems.append(String(describing: error)) }
            }
            // Structure too: a shard whose checksums were recomputed by hand must still be well formed.
            do {
                let url = directory.appendingPathComponent(shard.embeddings)
                let file = try FileDescriptor.openForReading(url)
                defer { file.close() }
                _ = try ShardFiles.checkEmbeddings(file, url: url, rows: shard.rows, dim: manifest.identity.dim, dtype: manifest.identity.dtype)
            } catch { problems.append(String(describing: error)) }
            do {
                let labels = try ShardFiles.readLabels(directory.appendingPathComponent(shard.labels), rows: shard.rows)
                let entries = try ShardFiles.readIndex(directory.appendingPathComponent(shard.index), rows: shard.rows)
                for (label, entry) in zip(labels, entries) {
                    if !counts.indices.contains(Int(label)) || Int(label) != entry.label {
                        problems.append("\(shard.labels): row of \(entry.path) has label \(label), its index line says \(entry.label) of \(counts.count) classes")
                        break
                    }
                    counts[Int(label)] += 1
                    if let other = firstShardOfPath.updateValue(shard.name, forKey: entry.path) {
                        storeProblems.append("\(entry.path): stored twice (\(other) and \(shard.name))")
                    }
                }
            } catch { problems.append(String(describing: error)) }
            reports.append(ShardVerification(name: shard.name, rows: shard.rows, problems: problems))
        }
        if reports.allSatisfy(\.isIntact) && counts != manifest.totals.classCounts {
            storeProblems.append("\(StoreManifest.fileName): class counts \(manifest.totals.classCounts) but the shards hold \(counts)")
        }
        let errorsURL = directory.appendingPathComponent(ShardFileNames.errorsFile)
        if FileManager.default.fileExists(atPath: errorsURL.path) {
            do { _ = try readJSONLines(SkippedFile.self, from: errorsURL) } catch { storeProblems.append(String(describing: error)) }
        }
        return StoreVerification(directory: directory, shards: reports, storeProblems: storeProblems)
    }
}
