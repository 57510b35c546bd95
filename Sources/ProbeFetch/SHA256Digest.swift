import Crypto
import Foundation

/// SHA-256 of files and bytes, as lowercase hex: how Probe pins every download.
public enum SHA256Digest {
    /// Hashes the file at `url` in 1 MiB chunks (constant memory for multi-GB files).
    public static func file(_ url: URL) throws -> String {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw FetchError("\(url.path): cannot open for hashing")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw FetchError("\(url.path): read error while hashing")
            }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return hex(hasher.finalize())
    }

    public static func data(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// True when `actual` (a full hex digest) matches `pinned`, which is either a full digest
    /// or a prefix of at least 8 hex digits (torchvision pins only a prefix, in its file names).
    public static func matches(_ actual: String, pinned: String) -> Bool {
        let pin = pinned.lowercased()
        guard pin.count >= 8, pin.count <= 64, pin.allSatisfy({ $0.isHexDigit }) else { return false }
        return actual.lowercased().hasPrefix(pin)
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
