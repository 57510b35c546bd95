import Foundation

/// One row of a shard's `.index.jsonl`: where the embedding came from, and enough about
/// the file to tell on a rerun whether it changed.
public struct IndexEntry: Codable, Equatable, Hashable, Sendable {
    /// Path relative to the dataset root, with `/` separators.
    public var path: String
    /// Class index into the manifest's `classes`.
    public var label: Int
    /// File size in bytes.
    public var size: Int64
    /// Modification time in nanoseconds since the Unix epoch (integer, so it compares exactly).
    public var mtimeNanoseconds: Int64
    /// Lower-case hex sha256 of the file's bytes.
    public var sha256: String

    public init(path: String, label: Int, size: Int64, mtimeNanoseconds: Int64, sha256: String) {
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

    /// The line as written, without the newline: compact JSON with keys in a fixed order,
    /// byte-identical to Python's `json.dumps(entry, separators=(",", ":"), ensure_ascii=False)`.
    public var jsonLine: String {
        "{\"path\":\(jsonString(path)),\"label\":\(label),\"size\":\(size),\"mtime_ns\":\(mtimeNanoseconds),\"sha256\":\(jsonString(sha256))}"
    }
}

/// A file the extraction skipped (unreadable, not an image…): one line of `DIR/errors.jsonl`.
/// Size and mtime let a rerun retry the file only if it changed.
public struct SkippedFile: Codable, Equatable, Hashable, Sendable {
    public var path: String
    public var reason: String
    public var size: Int64
    public var mtimeNanoseconds: Int64

    public init(path: String, reason: String, size: Int64, mtimeNanoseconds: Int64) {
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
        "{\"path\":\(jsonString(path)),\"reason\":\(jsonString(reason)),\"size\":\(size),\"mtime_ns\":\(mtimeNanoseconds)}"
    }
}

/// A JSON string literal escaped the way Python's json module does with ensure_ascii=False.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// Reading `.jsonl` files (shard indexes, errors.jsonl).
public enum JSONLines {
    /// Parses a `.jsonl` file of `T`, one object per non-empty line.
    public static func decode<T: Decodable>(_ type: T.Type, from url: URL) throws -> [T] {
        try readJSONLines(type, from: url)
    }
}

func readJSONLines<T: Decodable>(_ type: T.Type, from url: URL) throws -> [T] {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
        throw StoreError(.corrupt, "\(url.path): cannot read (\(error.localizedDescription))")
    }
    let decoder = JSONDecoder()
    var result: [T] = []
    var lineNumber = 0
    for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
        lineNumber += 1
        if line.isEmpty { continue }
        do { result.append(try decoder.decode(T.self, from: Data(line))) } catch {
            throw StoreError(.corrupt, "\(url.path): line \(lineNumber) is not a valid entry (\(StoreManifest.describe(error)))")
        }
    }
    return result
}
