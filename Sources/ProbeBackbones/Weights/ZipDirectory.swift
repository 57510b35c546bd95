import Foundation

/// The central directory of a zip file, read straight from its bytes (torch's .pth zip
/// format stores every entry uncompressed and 64-byte aligned, so tensors can be viewed
/// in place). Handles zip64 records; every offset and length is checked against the file.
struct ZipDirectory {
    struct Entry {
        let name: String
        /// 0 = stored, 8 = deflated.
        let method: UInt16
        let compressedSize: Int
        let uncompressedSize: Int
        let localHeaderOffset: Int
    }

    let entries: [String: Entry]
    private let bytes: ByteSlice
    private let url: URL

    init(_ bytes: ByteSlice, url: URL) throws {
        self.bytes = bytes
        self.url = url
        func bad(_ reason: String) -> WeightsError { WeightsError(url, "corrupt zip: \(reason)") }

        // End of central directory: the last "PK\5\6" within the final 64 KiB + 22 bytes.
        var eocd = -1
        var at = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while at >= lowest {
            if bytes.littleEndian(UInt32.self, at: at) == 0x0605_4B50 { eocd = at; break }
            at -= 1
        }
        guard eocd >= 0 else { throw bad("no end-of-central-directory record") }
        var entryCount = Int(bytes.littleEndian(UInt16.self, at: eocd + 10)!)
        var directorySize = Int(bytes.littleEndian(UInt32.self, at: eocd + 12)!)
        var directoryOffset = Int(bytes.littleEndian(UInt32.self, at: eocd + 16)!)
        // Zip64: a locator 20 bytes before the EOCD points at the 64-bit record.
        if eocd >= 20, bytes.littleEndian(UInt32.self, at: eocd - 20) == 0x0706_4B50 {
            guard let recordOffset = bytes.littleEndian(UInt64.self, at: eocd - 12), recordOffset <= UInt64(bytes.count),
                  bytes.littleEndian(UInt32.self, at: Int(recordOffset)) == 0x0606_4B50,
                  let count64 = bytes.littleEndian(UInt64.self, at: Int(recordOffset) + 32),
                  let size64 = bytes.littleEndian(UInt64.self, at: Int(recordOffset) + 40),
                  let offset64 = bytes.littleEndian(UInt64.self, at: Int(recordOffset) + 48),
                  count64 <= UInt64(bytes.count), size64 <= UInt64(bytes.count), offset64 <= UInt64(bytes.count) else {
                throw bad("bad zip64 end record")
            }
            entryCount = Int(count64); directorySize = Int(size64); directoryOffset = Int(offset64)
        }
        guard let directory = bytes.slice(directoryOffset, directorySize) else { throw bad("central directory outside the file") }

        var entries: [String: Entry] = [:]
        var pos = 0
        for _ in 0..<entryCount {
            guard directory.littleEndian(UInt32.self, at: pos) == 0x0201_4B50,
                  let method = directory.littleEndian(UInt16.self, at: pos + 10),
                  let compressed32 = directory.littleEndian(UInt32.self, at: pos + 20),
                  let uncompressed32 = directory.littleEndian(UInt32.self, at: pos + 24),
                  let nameLength = directory.littleEndian(UInt16.self, at: pos + 28),
                  let extraLength = directory.littleEndian(UInt16.self, at: pos + 30),
                  let commentLength = directory.littleEndian(UInt16.self, at: pos + 32),
                  let local32 = directory.littleEndian(UInt32.self, at: pos + 42),
                  let nameBytes = directory.bytes(pos + 46, Int(nameLength)),
                  let extra = directory.slice(pos + 46 + Int(nameLength), Int(extraLength)) else {
                throw bad("central directory entry \(entries.count) is truncated")
            }
            var compressed = UInt64(compressed32), uncompressed = UInt64(uncompressed32), local = UInt64(local32)
            // Zip64 extended information (header id 1): the 64-bit values of the fields that are 0xFFFFFFFF, in order.
            var e = 0
            while let id = extra.littleEndian(UInt16.self, at: e), let size = extra.littleEndian(UInt16.self, at: e + 2) {
                if id == 1, let field = extra.slice(e + 4, Int(size)) {
                    var f = 0
                    func next() throws -> UInt64 {
                        guard let v = field.littleEndian(UInt64.self, at: f) else { throw bad("short zip64 field") }
                        f += 8
                        return v
                    }
                    if uncompressed32 == 0xFFFF_FFFF { uncompressed = try next() }
                    if compressed32 == 0xFFFF_FFFF { compressed = try next() }
                    if local32 == 0xFFFF_FFFF { local = try next() }
                }
                e += 4 + Int(size)
            }
            guard compressed <= UInt64(bytes.count), uncompressed <= UInt64(Int.max), local <= UInt64(bytes.count) else {
                throw bad("entry sizes beyond the file")
            }
            let name = String(decoding: nameBytes, as: UTF8.self)
            entries[name] = Entry(name: name, method: method, compressedSize: Int(compressed),
                                  uncompressedSize: Int(uncompressed), localHeaderOffset: Int(local))
            pos += 46 + Int(nameLength) + Int(extraLength) + Int(commentLength)
        }
        self.entries = entries
    }

    /// The bytes of a stored (uncompressed) entry, in place.
    func storedData(_ entry: Entry) throws -> ByteSlice {
        func bad(_ reason: String) -> WeightsError { WeightsError(url, "corrupt zip entry '\(entry.name)': \(reason)") }
        guard entry.method == 0 else { throw bad("compressed (method \(entry.method)); torch writes storages uncompressed") }
        guard bytes.littleEndian(UInt32.self, at: entry.localHeaderOffset) == 0x0403_4B50,
              let nameLength = bytes.littleEndian(UInt16.self, at: entry.localHeaderOffset + 26),
              let extraLength = bytes.littleEndian(UInt16.self, at: entry.localHeaderOffset + 28) else {
            throw bad("bad local header")
        }
        let start = entry.localHeaderOffset + 30 + Int(nameLength) + Int(extraLength)
        guard entry.compressedSize == entry.uncompressedSize, let data = bytes.slice(start, entry.compressedSize) else {
            throw bad("data runs past the end of the file")
        }
        return data
    }
}
