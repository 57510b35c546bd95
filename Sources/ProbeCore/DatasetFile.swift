/// One file of a dataset, from the scan to its line in a store's shard index: where it lies under
/// the dataset root, its class, and what tells a rerun whether it changed (size and mtime, read by
/// the scan's one stat; the sha256 of its bytes once the extractor has read them).
public struct DatasetFile: Codable, Equatable, Hashable, Sendable {
    /// Path relative to the dataset root, with `/` separators (the row's identity in a store).
    public var path: String
    /// Class index into the dataset's (or the store manifest's) classes.
    public var label: Int
    /// File size in bytes.
    public var size: Int64
    /// Modification time in nanoseconds since the Unix epoch (integer, so it compares exactly).
    public var mtimeNanoseconds: Int64
    /// Lower-case hex sha256 of the file's bytes; nil until they are read. Every stored row has one.
    public var sha256: String?
    /// The `PerceptualHash` of the decoded picture, set by the extractor; nil for rows stored
    /// before Probe hashed pixels (and for files never decoded). Stored as `"phash":"<16 hex>"`.
    public var perceptualHash: UInt64?

    public init(path: String, label: Int, size: Int64, mtimeNanoseconds: Int64, sha256: String? = nil,
                perceptualHash: UInt64? = nil) {
        self.path = path
        self.label = label
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.sha256 = sha256
        self.perceptualHash = perceptualHash
    }

    enum CodingKeys: String, CodingKey {
        case path, label, size
        case mtimeNanoseconds = "mtime_ns"
        case sha256
        case perceptualHash = "phash"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decode(String.self, forKey: .path)
        label = try container.decode(Int.self, forKey: .label)
        size = try container.decode(Int64.self, forKey: .size)
        mtimeNanoseconds = try container.decode(Int64.self, forKey: .mtimeNanoseconds)
        sha256 = try container.decodeIfPresent(String.self, forKey: .sha256)
        if let text = try container.decodeIfPresent(String.self, forKey: .perceptualHash) {
            guard let hash = PerceptualHash.parse(hex: text) else {
                throw DecodingError.dataCorruptedError(forKey: .perceptualHash, in: container,
                                                       debugDescription: "phash must be 16 hex digits, not \"\(text)\"")
            }
            perceptualHash = hash
        } else {
            perceptualHash = nil
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(label, forKey: .label)
        try container.encode(size, forKey: .size)
        try container.encode(mtimeNanoseconds, forKey: .mtimeNanoseconds)
        try container.encodeIfPresent(sha256, forKey: .sha256)
        try container.encodeIfPresent(perceptualHash.map(PerceptualHash.hex), forKey: .perceptualHash)
    }

    /// The file once its bytes are hashed.
    public func hashed(_ sha256: String) -> DatasetFile {
        var file = self
        file.sha256 = sha256
        return file
    }

    /// The file's `errors.jsonl` record when it cannot be used.
    public func skipped(reason: String) -> SkippedFile {
        SkippedFile(path: path, reason: reason, size: size, mtimeNanoseconds: mtimeNanoseconds)
    }

    /// The shard-index line, without the newline: compact JSON with keys in a fixed order,
    /// byte-identical to Python's `json.dumps(entry, separators=(",", ":"), ensure_ascii=False)`.
    /// Only for a hashed file (a store refuses rows without a sha256). A row with a perceptual
    /// hash ends with `,"phash":"<16 hex>"`; one without has no such key (as stores made before it).
    public var jsonLine: String {
        let phash = perceptualHash.map { ",\"phash\":\"\(PerceptualHash.hex($0))\"" } ?? ""
        return "{\"path\":\(JSONValue.quoted(path)),\"label\":\(label),\"size\":\(size),\"mtime_ns\":\(mtimeNanoseconds),\"sha256\":\(JSONValue.quoted(sha256 ?? ""))\(phash)}"
    }
}

/// A file left out of a dataset (not an image, unreadable, a symbolic-link loop…), from the scan
/// or the extractor: one line of a store's `errors.jsonl`. Size and mtime (0 when the file cannot
/// be stat'ed) let a rerun retry it only if it changed.
public struct SkippedFile: Codable, Equatable, Hashable, Sendable {
    /// Path relative to the dataset root, with `/` separators.
    public var path: String
    public var reason: String
    public var size: Int64
    public var mtimeNanoseconds: Int64

    public init(path: String, reason: String, size: Int64 = 0, mtimeNanoseconds: Int64 = 0) {
        self.path = path
        self.reason = reason
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
    }

    enum CodingKeys: String, CodingKey {
        case path, reason, size
        case mtimeNanoseconds = "mtime_ns"
    }

    public var jsonLine: String {
        "{\"path\":\(JSONValue.quoted(path)),\"reason\":\(JSONValue.quoted(reason)),\"size\":\(size),\"mtime_ns\":\(mtimeNanoseconds)}"
    }
}
