import Foundation
import ProbeCore

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

extension DatasetFile {
    /// Parses a line in exactly the form `jsonLine` writes, without escapes in its strings;
    /// nil for anything else (the caller then uses a full JSON decoder). JSONDecoder costs
    /// about 20 µs a line, which made opening a store of a million rows take 20 s.
    static func parseCanonical(_ line: UnsafeRawBufferPointer) -> DatasetFile? {
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
              expect(",\"sha256\":\""), let sha = string() else { return nil }
        var perceptualHash: UInt64?
        if expect(",\"phash\":\"") {
            guard let text = string(), let hash = PerceptualHash.parse(hex: text) else { return nil }
            perceptualHash = hash
        }
        guard expect("}"), position == line.count else { return nil }
        return DatasetFile(path: path, label: Int(label), size: size, mtimeNanoseconds: mtime, sha256: sha,
                           perceptualHash: perceptualHash)
    }

    /// Reads a shard index: canonical lines by `parseCanonical`, any other line by JSONDecoder.
    static func readAll(from url: URL) throws -> [DatasetFile] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw StoreError(.corrupt, "\(url.path): cannot read (\(error.localizedDescription))")
        }
        let decoder = JSONDecoder()
        var result: [DatasetFile] = []
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
                        let entry: DatasetFile
                        do { entry = try decoder.decode(DatasetFile.self, from: Data(line)) } catch {
                            throw StoreError(.corrupt, "\(url.path): line \(lineNumber) is not a valid entry (\(StoreManifest.describe(error)))")
                        }
                        guard entry.sha256 != nil else { throw StoreError(.corrupt, "\(url.path): line \(lineNumber) has no sha256") }
                        result.append(entry)
                    }
                }
                start = end + 1
            }
        }
        return result
    }
}
