import Foundation
import ProbeCore

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
        "{\"path\":\(JSONValue.quoted(path)),\"label\":\(label),\"size\":\(size),\"mtime_ns\":\(mtimeNanoseconds),\"sha256\":\(JSONValue.quoted(sha256))}"
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
        "{\"path\":\(JSONValue.quoted(path)),\"reason\":\(JSONValue.quoted(reason)),\"size\":\(size),\"mtime_ns\":\(mtimeNanoseconds)}"
    }
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

extension IndexEntry {
    /// Parses a line in exactly the form `jsonLine` writes, without escapes in its strings;
    /// nil for anything else (the caller then uses a full JSON decoder). JSONDecoder costs
    /// about 20 µs a line, which made opening a store of a million rows take 20 s.
    static func parseCanonical(_ line: UnsafeRawBufferPointer) -> IndexEntry? {
        var position = 0
        func expect(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard position + count <= line.count else { return false }
            for k in 0..<count where line[position + k] != literal.utf8Start[k] { return false }
            position += count
            return true
        }
        func string() -> String? {
            let start = position
            while position < line.count {
                let byte = line[position]
                if byte == 0x22 { break }                       // closing quote
                if byte == 0x5C || byte < 0x20 { return nil }   // escape or control: not canonical
                position += 1
            }
            guard position < line.count else { return nil }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<position]), as: UTF8.self)
            position += 1
            return text
        }
        func integer() -> Int64? {
            var negative = false
            if position < line.count && line[position] == 0x2D { negative = true; position += 1 }
            let start = position
            var value: Int64 = 0
            while position < line.count, (0x30...0x39).contains(line[position]) {
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int64(line[position] - 0x30))
                guard !o1 && !o2 else { return nil }
                value = sum
                position += 1
            }
            guard position > start else { return nil }
            return negative ? -value : value
        }
        guard expect("{\"path\":\""), let path = string(),
              expect(",\"label\":"), let label = integer(),
              expect(",\"size\":"), let size = integer(),
              expect(",\"mtime_ns\":"), let mtime = integer(),
              expect(",\"sha256\":\""), let sha = string(),
              expect("}"), position == line.count else { return nil }
        return IndexEntry(path: path, label: Int(label), size: size, mtimeNanoseconds: mtime, sha256: sha)
    }

    /// Reads a shard index: canonical lines by `parseCanonical`, any other line by JSONDecoder.
    static func readAll(from url: URL) throws -> [IndexEntry] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw StoreError(.corrupt, "\(url.path): cannot read (\(error.localizedDescription))")
        }
        let decoder = JSONDecoder()
        var result: [IndexEntry] = []
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var lineNumber = 0
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                lineNumber += 1
                let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                if !line.isEmpty {
                    if let entry = parseCanonical(line) {
                        result.append(entry)
                    } else {
                        do { result.append(try decoder.decode(IndexEntry.self, from: Data(line))) } catch {
                            throw StoreError(.corrupt, "\(url.path): line \(lineNumber) is not a valid entry (\(StoreManifest.describe(error)))")
                        }
                    }
                }
                start = end + 1
            }
        }
        return result
    }
}
