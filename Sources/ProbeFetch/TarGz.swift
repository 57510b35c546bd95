import Foundation
import ZIPFoundation

/// gzip (RFC 1952) around one raw deflate stream. The inflating itself is zlib's, reached
/// through ZIPFoundation's raw-deflate decoder; this type parses the header and trailer.
enum Gzip {
    /// Inflates `archive` into `output`, counting the bytes against `target`'s limits,
    /// and checks the trailer's CRC-32 and length.
    static func decompress(_ archive: URL, to output: URL, target: ExtractionTarget) throws {
        func bad(_ reason: String) -> FetchError { FetchError("\(archive.path): corrupt gzip: \(reason)") }
        guard let input = try? FileHandle(forReadingFrom: archive) else { throw FetchError("\(archive.path): cannot open") }
        defer { try? input.close() }
        let fileSize = Int64((try? input.seekToEnd()) ?? 0)
        try input.seek(toOffset: 0)
        let head = [UInt8]((try? input.read(upToCount: 65_536 + 1024)) ?? Data())
        guard head.count >= 18, head[0] == 0x1F, head[1] == 0x8B, head[2] == 8 else { throw bad("bad header") }
        let flags = head[3]
        var pos = 10
        if flags & 4 != 0 {                                   // FEXTRA
            guard head.count >= pos + 2 else { throw bad("truncated header") }
            pos += 2 + (Int(head[pos]) | (Int(head[pos + 1]) << 8))
        }
        for bit: UInt8 in [8, 16] where flags & bit != 0 {    // FNAME, FCOMMENT: zero-terminated
            guard let end = head[min(pos, head.count)...].firstIndex(of: 0) else { throw bad("truncated header") }
            pos = end + 1
        }
        if flags & 2 != 0 { pos += 2 }                        // FHCRC
        let bodyStart = Int64(pos), bodyEnd = fileSize - 8
        guard bodyStart < bodyEnd else { throw bad("truncated") }

        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        guard let out = try? FileHandle(forWritingTo: output) else { throw FetchError("\(output.path): cannot create") }
        defer { try? out.close() }
        var produced: Int64 = 0
        let crc: UInt32
        do {
            crc = try Data.decompress(size: bodyEnd - bodyStart, bufferSize: 1 << 16, skipCRC32: false, provider: { position, size in
                // The decoder asks for more until it sees the end of the deflate stream; running out first means truncation.
                let start = bodyStart + position
                guard start < bodyEnd else { throw bad("truncated deflate stream") }
                try input.seek(toOffset: UInt64(start))
                var chunk = try input.read(upToCount: Int(min(Int64(size), bodyEnd - start))) ?? Data()
                // ZIPFoundation tells zlib every chunk holds `size` bytes whatever its length, so a
                // shorter one let a corrupt stream read past its end (AddressSanitizer, found by
                // fuzzing). Zeros fill the rest: a valid stream ends before them, and a stream that
                // reads them fails the trailer's CRC and length check.
                if chunk.count < size { chunk.append(Data(count: size - chunk.count)) }
                return chunk
            }, consumer: { data in
                try target.account(data.count, entry: "(gzip stream)")
                produced += Int64(data.count)
                // A failed write (a full disk) is reported as such, not as bad deflate data.
                do { try out.write(contentsOf: data) } catch {
                    throw FetchError("\(output.path): cannot write while unpacking \(archive.lastPathComponent) (\(Self.reason(error)))")
                }
            })
        } catch let error as FetchError {
            throw error
        } catch {
            throw bad("bad deflate data")
        }
        try input.seek(toOffset: UInt64(bodyEnd))
        let trailer = [UInt8]((try? input.read(upToCount: 8)) ?? Data())
        guard trailer.count == 8 else { throw bad("missing trailer") }
        let storedCRC = trailer[0..<4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let storedSize = trailer[4..<8].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard storedCRC == crc, storedSize == UInt32(truncatingIfNeeded: produced) else { throw bad("CRC or length mismatch") }
    }

    /// The operating system's words for a failed write (e.g. "No space left on device").
    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}

/// POSIX ustar / GNU / pax tar, read one 512-byte header at a time.
enum TarReader {
    static func extract(tarFile: URL, into target: ExtractionTarget) throws {
        guard let handle = try? FileHandle(forReadingFrom: tarFile) else {
            throw FetchError("\(tarFile.path): cannot open")
        }
        defer { try? handle.close() }
        let archiveName = target.archive.path
        func bad(_ reason: String) -> FetchError { FetchError("\(archiveName): corrupt tar: \(reason)") }
        func read(_ count: Int) throws -> [UInt8] {
            [UInt8]((try? handle.read(upToCount: count)) ?? Data())
        }
        func skip(_ count: Int64) throws {
            // `count` comes from a header (up to 2^63 - 1 in base-256): past the end is truncation, not a trap.
            let (target, overflow) = try handle.offset().addingReportingOverflow(UInt64(count))
            guard !overflow, target <= UInt64(Int64.max) else { throw bad("entry size \(count) runs past the end") }
            try handle.seek(toOffset: target)
        }
        func text(_ h: [UInt8], _ range: Range<Int>) -> String {
            let field = h[range]
            let end = field.firstIndex(of: 0) ?? range.upperBound
            return String(decoding: h[range.lowerBound..<end], as: UTF8.self)
        }
        func number(_ h: [UInt8], _ range: Range<Int>) throws -> Int64 {
            if h[range.lowerBound] & 0x80 != 0 {                // GNU base-256
                var value: Int64 = Int64(h[range.lowerBound] & 0x7F)
                for b in h[(range.lowerBound + 1)..<range.upperBound] {
                    guard value < (Int64.max >> 8) else { throw bad("number too large") }
                    value = value << 8 | Int64(b)
                }
                return value
            }
            let digits = text(h, range).trimmingCharacters(in: .whitespaces)
            if digits.isEmpty { return 0 }
            guard let value = Int64(digits, radix: 8), value >= 0 else { throw bad("bad number '\(digits)'") }
            return value
        }
        func readPayload(_ size: Int64) throws -> [UInt8] {
            guard size <= 1 << 20 else { throw bad("metadata record of \(size) bytes") }
            let data = try read(Int(size))
            guard data.count == Int(size) else { throw bad("truncated") }
            try skip((512 - size % 512) % 512)
            return data
        }

        var longName: String?, longLink: String?
        while true {
            let header = try read(512)
            if header.isEmpty { return }
            guard header.count == 512 else { throw bad("truncated header") }
            if header.allSatisfy({ $0 == 0 }) { return }
            // Checksum: the header's bytes summed with the checksum field taken as spaces.
            let stored = try number(header, 148..<156)
            var sum: Int64 = 0
            for (i, b) in header.enumerated() { sum += (148..<156).contains(i) ? 32 : Int64(b) }
            guard stored == sum else { throw bad("header checksum mismatch") }

            var name = text(header, 0..<100)
            if Array(header[257..<262]) == Array("ustar".utf8) {
                let prefix = text(header, 345..<500)
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            var link = text(header, 157..<257)
            let size = try number(header, 124..<136)
            let type = header[156]
            if let n = longName { name = n; longName = nil }
            if let l = longLink { link = l; longLink = nil }

            switch type {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                let file = try target.createFile(name)
                var left = size
                do {
                    while left > 0 {
                        let chunk = try read(Int(min(left, 1 << 16)))
                        guard !chunk.isEmpty else { throw bad("truncated file data for '\(name)'") }
                        try file.write(Data(chunk))
                        left -= Int64(chunk.count)
                    }
                    try file.close()
                } catch {
                    file.abandon(); throw error
                }
                try skip((512 - size % 512) % 512)
            case UInt8(ascii: "5"):
                try target.makeDirectory(name)
                try skip(size)
                try skip((512 - size % 512) % 512)
            case UInt8(ascii: "2"):
                try target.makeSymlink(name, pointingTo: link)
            case UInt8(ascii: "1"):
                throw target.refuse(name, "hard links are not extracted")
            case UInt8(ascii: "3"), UInt8(ascii: "4"), UInt8(ascii: "6"):
                throw target.refuse(name, "device or FIFO entries are not extracted")
            case UInt8(ascii: "L"), UInt8(ascii: "K"):
                let value = String(decoding: try readPayload(size).prefix { $0 != 0 }, as: UTF8.self)
                if type == UInt8(ascii: "L") { longName = value } else { longLink = value }
            case UInt8(ascii: "x"), UInt8(ascii: "g"):
                // pax records: "<length> <key>=<value>\n"; path and linkpath override the next header.
                let payload = try readPayload(size)
                guard type == UInt8(ascii: "x") else { continue }
                var i = payload.startIndex
                while i < payload.endIndex {
                    guard let space = payload[i...].firstIndex(of: 0x20),
                          let length = Int(String(decoding: payload[i..<space], as: UTF8.self)), length > 0,
                          i + length <= payload.endIndex,
                          space + 1 <= i + length - 1 else { throw bad("bad pax record") }
                    let record = String(decoding: payload[(space + 1)..<(i + length - 1)], as: UTF8.self)
                    if let eq = record.firstIndex(of: "=") {
                        let key = record[..<eq], value = String(record[record.index(after: eq)...])
                        if key == "path" { longName = value }
                        if key == "linkpath" { longLink = value }
                    }
                    i += length
                }
            default:
                throw target.refuse(name, "unsupported tar entry type '\(Character(UnicodeScalar(type)))'")
            }
        }
    }
}
