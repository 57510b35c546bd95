import Foundation

/// Checks the sizes a zip's entries claim against the zip's own size, before ZIPFoundation reads it.
///
/// ZIPFoundation reads a symlink entry in one allocation of the size its local header claims;
/// a 300-byte zip whose local header says 3.7 GB made it allocate 3.7 GB (found by fuzzing,
/// docs/fuzzing.md). No entry of a real archive is stored in more bytes than the archive has, so
/// any local or central size above the archive's size is refused here, with the entry's name.
/// A central directory that runs past the end of the file or whose entries do not parse is refused
/// too: ZIPFoundation reads such a directory anyway, so skipping it would skip the check (fuzzing
/// found that hole as well). A zip without an end record is left to ZIPFoundation, which refuses it.
enum ZipSizeCheck {
    static func check(_ url: URL) throws {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd(), end >= 22 else { return }
        let size = end
        func read(_ offset: UInt64, _ count: Int) -> [UInt8]? {
            guard offset <= size, (try? handle.seek(toOffset: offset)) != nil,
                  let data = try? handle.read(upToCount: count), data.count == count else { return nil }
            return [UInt8](data)
        }
        func le(_ b: [UInt8], _ at: Int, _ width: Int) -> UInt64? {
            guard at >= 0, at + width <= b.count else { return nil }
            var value: UInt64 = 0
            for k in stride(from: width - 1, through: 0, by: -1) { value = value << 8 | UInt64(b[at + k]) }
            return value
        }
        func corrupt(_ reason: String) -> FetchError { FetchError("\(url.path): corrupt zip: \(reason)") }
        func refuse(_ name: String, _ claimed: UInt64) -> FetchError {
            FetchError("\(url.path): entry '\(name)' claims \(claimed) bytes, more than the whole archive (\(size) bytes)")
        }

        // End of central directory: the last "PK\5\6" in the final 64 KiB + 22 bytes.
        let tailCount = Int(min(size, 65_557))
        guard let tail = read(size - UInt64(tailCount), tailCount) else { return }
        guard let eocd = stride(from: tailCount - 22, through: 0, by: -1).first(where: { le(tail, $0, 4) == 0x0605_4B50 }) else { return }
        var count = le(tail, eocd + 10, 2)!, directorySize = le(tail, eocd + 12, 4)!, directoryOffset = le(tail, eocd + 16, 4)!
        if eocd >= 20, le(tail, eocd - 20, 4) == 0x0706_4B50, let recordOffset = le(tail, eocd - 12, 8),
           let record = read(recordOffset, 56), le(record, 0, 4) == 0x0606_4B50 {
            count = le(record, 32, 8)!; directorySize = le(record, 40, 8)!; directoryOffset = le(record, 48, 8)!
        }
        guard directorySize <= size, directoryOffset <= size - directorySize,
              let directory = read(directoryOffset, Int(directorySize)) else {
            throw corrupt("the central directory (\(directorySize) bytes at \(directoryOffset)) runs past the end of the \(size)-byte file")
        }
        guard count <= directorySize / 46 else { throw corrupt("\(count) entries cannot fit in a \(directorySize)-byte central directory") }

        var pos = 0
        for number in 0..<count {
            guard le(directory, pos, 4) == 0x0201_4B50, let nameLength = le(directory, pos + 28, 2),
                  let extraLength = le(directory, pos + 30, 2), let commentLength = le(directory, pos + 32, 2),
                  pos + 46 + Int(nameLength) + Int(extraLength) <= directory.count else {
                throw corrupt("central directory entry \(number) is malformed")
            }
            let name = String(decoding: directory[(pos + 46)..<(pos + 46 + Int(nameLength))], as: UTF8.self)
            var compressed = le(directory, pos + 20, 4)!, uncompressed = le(directory, pos + 24, 4)!, local = le(directory, pos + 42, 4)!
            // Zip64 extended information: the 64-bit values of the fields that are 0xFFFFFFFF, in order.
            let extra = Array(directory[(pos + 46 + Int(nameLength))..<(pos + 46 + Int(nameLength) + Int(extraLength))])
            var e = 0
            while let id = le(extra, e, 2), let length = le(extra, e + 2, 2) {
                if id == 1 {
                    var f = e + 4
                    for field in [0, 1, 2] {
                        let value = field == 0 ? uncompressed : field == 1 ? compressed : local
                        guard value == 0xFFFF_FFFF, let wide = le(extra, f, 8) else { continue }
                        if field == 0 { uncompressed = wide } else if field == 1 { compressed = wide } else { local = wide }
                        f += 8
                    }
                }
                e += 4 + Int(length)
            }
            if compressed > size { throw refuse(name, compressed) }
            // The local header repeats the sizes, and ZIPFoundation believes its copy.
            if let header = read(local, 30), le(header, 0, 4) == 0x0403_4B50 {
                var localCompressed = le(header, 18, 4)!
                let localName = le(header, 26, 2)!, localExtra = le(header, 28, 2)!
                if localCompressed == 0xFFFF_FFFF, let fields = read(local + 30 + localName, Int(localExtra)) {
                    var e = 0
                    while let id = le(fields, e, 2), let length = le(fields, e + 2, 2) {
                        if id == 1, let wide = le(fields, e + 4 + 8, 8) { localCompressed = wide }
                        e += 4 + Int(length)
                    }
                }
                if localCompressed > size { throw refuse(name, localCompressed) }
            }
            pos += 46 + Int(nameLength) + Int(extraLength) + Int(commentLength)
        }
    }
}
