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

    public init(path: String, label: Int, size: Int64, mtimeNanoseconds: Int64, sha256: String? = nil) {
        self.path = path
        self.label = label
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.sha256 = sha256
    }

    enum CodingKeys: String, CodingKey {
        case path, label, size
        case mtimeNanoseconds = "mtime_ns"
        case sha256
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
    /// Only for a hashed file (a store refuses rows without a sha256).
    public var jsonLine: String {
        "{\"path\":\(JSONValue.quoted(path)),\"label\":\(label),\"size\":\(size),\"mtime_ns\":\(mtimeNanoseconds),\"sha256\":\(JSONValue.quoted(sha256 ?? ""))}"
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
