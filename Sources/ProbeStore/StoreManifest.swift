import Foundation

/// The three files of one shard and what they must contain.
public struct ShardRecord: Codable, Equatable, Sendable {
    /// `shard-NNNNN.emb.npy`: `[rows, dim]` float32 or float16, C order.
    public var embeddings: String
    /// `shard-NNNNN.labels.npy`: `[rows]` int32 class indices into `classes`.
    public var labels: String
    /// `shard-NNNNN.index.jsonl`: one `DatasetFile` per row, in row order.
    public var index: String
    public var rows: Int
    public var sha256: ShardChecksums

    public init(embeddings: String, labels: String, index: String, rows: Int, sha256: ShardChecksums) {
        self.embeddings = embeddings
        self.labels = labels
        self.index = index
        self.rows = rows
        self.sha256 = sha256
    }

    /// The shard's display name, e.g. `shard-00003`.
    public var name: String {
        embeddings.hasSuffix(ShardFileNames.embeddingsSuffix) ? String(embeddings.dropLast(ShardFileNames.embeddingsSuffix.count)) : embeddings
    }

    public var fileNames: [String] { [embeddings, labels, index] }
}

/// Lower-case hex sha256 of each file of a shard.
public struct ShardChecksums: Codable, Equatable, Sendable {
    public var embeddings: String
    public var labels: String
    public var index: String

    public init(embeddings: String, labels: String, index: String) {
        self.embeddings = embeddings
        self.labels = labels
        self.index = index
    }
}

/// Sums over all shards, kept in the manifest so `probe info` needs no shard reads.
public struct StoreTotals: Codable, Equatable, Sendable {
    public var rows: Int
    /// Rows per class, aligned with `classes`.
    public var classCounts: [Int]

    public init(rows: Int, classCounts: [Int]) {
        self.rows = rows
        self.classCounts = classCounts
    }

    enum CodingKeys: String, CodingKey {
        case rows
        case classCounts = "class_counts"
    }
}

/// `DIR/manifest.json`: the single source of truth for what the store holds. A shard
/// exists for readers only once the manifest lists it; the manifest is replaced atomically.
public struct StoreManifest: Codable, Equatable, Sendable {
    public static let currentFormatVersion = 1
    public static let fileName = "manifest.json"

    public var formatVersion: Int
    public var identity: StoreIdentity
    /// Class names; a label is an index into this list.
    public var classes: [String]
    /// Set when the store holds one `--part` of a dataset; absent for whole or merged stores.
    public var part: StorePart?
    /// Whether the last writing run went through its whole listing: false from the moment a
    /// writer opens the store until its `finish`, so a store whose run failed or was killed
    /// says so (a merge refuses such a part). Absent in stores written before this field existed.
    public var complete: Bool?
    /// In logical row order: row 0 is the first row of the first shard.
    public var shards: [ShardRecord]
    public var totals: StoreTotals
    /// The dataset folder the rows were extracted from, as given to extract (index paths
    /// are relative to it); lets reports show the images. Absent for merged stores.
    public var datasetRoot: String?

    public init(identity: StoreIdentity, classes: [String], part: StorePart? = nil, shards: [ShardRecord] = []) {
        self.formatVersion = Self.currentFormatVersion
        self.identity = identity
        self.classes = classes
        self.part = part
        self.shards = shards
        self.totals = StoreTotals(rows: shards.reduce(0) { $0 + $1.rows }, classCounts: Array(repeating: 0, count: classes.count))
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case identity, classes, part, complete, shards, totals
        case datasetRoot = "dataset_root"
    }

    /// Reads and checks `DIR/manifest.json`; nil when the folder has no manifest.
    public static func read(directory: URL) throws -> StoreManifest? {
        let url = directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw StoreError(.io, "\(url.path): cannot read (\(error.localizedDescription))")
        }
        let manifest: StoreManifest
        do { manifest = try JSONDecoder().decode(StoreManifest.self, from: data) } catch {
            throw StoreError(.corrupt, "\(url.path): not a valid Probe store manifest (\(Self.describe(error)))")
        }
        try manifest.validate(path: url.path)
        return manifest
    }

    /// Reads the manifest and fails with a clear message if there is none.
    public static func require(directory: URL) throws -> StoreManifest {
        guard let manifest = try read(directory: directory) else {
            throw StoreError(.notAStore, "\(directory.path): not a Probe store (no \(fileName))")
        }
        return manifest
    }

    func validate(path: String) throws {
        guard formatVersion == Self.currentFormatVersion else {
            throw StoreError(.corrupt, "\(path): store format version \(formatVersion) is not supported (this Probe reads version \(Self.currentFormatVersion))")
        }
        guard identity.dim > 0 else { throw StoreError(.corrupt, "\(path): embedding dim \(identity.dim) must be positive") }
        guard totals.classCounts.count == classes.count else {
            throw StoreError(.corrupt, "\(path): \(totals.classCounts.count) class counts for \(classes.count) classes")
        }
        // Row counts come from the file: add them without trusting them not to overflow.
        var rows = 0
        for shard in shards {
            let (sum, overflow) = rows.addingReportingOverflow(shard.rows)
            guard !overflow else { throw StoreError(.corrupt, "\(path): shard row counts add up past \(Int.max)") }
            rows = sum
        }
        guard totals.rows == rows else {
            throw StoreError(.corrupt, "\(path): totals say \(totals.rows) rows but the shards hold \(rows)")
        }
        var seen = Set<String>()
        for shard in shards {
            guard shard.rows >= 0 else { throw StoreError(.corrupt, "\(path): shard \(shard.name) has \(shard.rows) rows") }
            for name in shard.fileNames {
                // Shard files live directly in the store folder; anything else could escape it.
                guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                    throw StoreError(.corrupt, "\(path): shard file name \"\(name)\" is not a plain file name")
                }
                guard seen.insert(name).inserted else {
                    throw StoreError(.corrupt, "\(path): shard file \(name) is listed twice")
                }
            }
        }
    }

    /// The manifest as written to disk: pretty, with sorted keys, so diffs of two stores read well.
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing \(([key] + context.codingPath.reversed()).reversed().map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "bad value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not JSON" : "bad value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default:
            return String(describing: error)
        }
    }
}

/// Names of the files that make up a store. Everything the writer creates matches one of these.
public enum ShardFileNames {
    public static let embeddingsSuffix = ".emb.npy"
    public static let labelsSuffix = ".labels.npy"
    public static let indexSuffix = ".index.jsonl"
    /// Suffix of files being written; they are never part of a store and are removed on open.
    public static let partialSuffix = ".partial"
    public static let errorsFile = "errors.jsonl"

    /// `shard-00042` for 42 (five digits, more when needed).
    public static func stem(_ number: Int) -> String {
        let digits = String(number)
        return "shard-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }

    /// The shard number in a file name like `shard-00042.emb.npy`, if it is one.
    public static func number(in name: String) -> Int? {
        guard name.hasPrefix("shard-") else { return nil }
        let digits = name.dropFirst(6).prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else { return nil }
        let rest = name.dropFirst(6 + digits.count)
        guard [embeddingsSuffix, labelsSuffix, indexSuffix].contains(where: { rest == $0 || rest == $0 + partialSuffix }) else { return nil }
        return Int(digits)
    }

    /// True for files a writer may have created in a store folder (and so may remove when unreferenced).
    static func isStoreFile(_ name: String) -> Bool {
        if number(in: name) != nil { return true }
        return name == StoreManifest.fileName || name == errorsFile || name == StoreLock.fileName
            || name == StoreManifest.fileName + partialSuffix || name == errorsFile + partialSuffix
    }
}
