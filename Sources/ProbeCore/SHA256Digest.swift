import CCrypto
import Foundation

/// SHA-256 of files and bytes, as lowercase hex: how Probe pins downloads, identifies weights and
/// records each image file in a store's index. One implementation, from the system's libcrypto.
public enum SHA256Digest {
    /// An incremental hasher, for bytes that arrive in pieces.
    public final class Hasher {
        private let context: OpaquePointer

        public convenience init() { self.init(algorithm: EVP_sha256()) }

        /// A hasher for another libcrypto digest (MD5Digest uses it for Keras's md5 pins).
        init(algorithm: OpaquePointer?) {
            context = EVP_MD_CTX_new()
            EVP_DigestInit_ex(context, algorithm, nil)
        }

        deinit { EVP_MD_CTX_free(context) }

        public func update(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            EVP_DigestUpdate(context, base, bytes.count)
        }

        public func update(_ data: Data) { data.withUnsafeBytes { update($0) } }

        /// The digest as lowercase hex; the hasher is spent afterwards.
        public func finalizeHex() -> String {
            var digest = [UInt8](repeating: 0, count: 32)
            var length: UInt32 = 0
            EVP_DigestFinal_ex(context, &digest, &length)
            return hex(digest.prefix(Int(length)))
        }
    }

    public struct ReadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Hashes the file at `url` in 1 MiB chunks (constant memory for multi-GB files).
    public static func file(_ url: URL) throws -> String { try file(url, hasher: Hasher()) }

    static func file(_ url: URL, hasher: Hasher) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw ReadError(description: "\(url.path): cannot open for hashing")
        }
        defer { try? handle.close() }
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw ReadError(description: "\(url.path): read error while hashing")
            }
            if chunk.isEmpty { break }
            hasher.update(chunk)
        }
        return hasher.finalizeHex()
    }

    public static func data(_ data: Data) -> String {
        let hasher = Hasher()
        hasher.update(data)
        return hasher.finalizeHex()
    }

    /// True when `actual` (a full hex digest) matches `pinned`, which is either a full digest
    /// or a prefix of at least 8 hex digits (torchvision pins only a prefix, in its file names).
    public static func matches(_ actual: String, pinned: String) -> Bool {
        let pin = pinned.lowercased()
        guard pin.count >= 8, pin.count <= 64, pin.allSatisfy({ $0.isHexDigit }) else { return false }
        return actual.lowercased().hasPrefix(pin)
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in digest { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
