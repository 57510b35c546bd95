import CCrypto
import Foundation

/// SHA-256 of files and bytes, as lowercase hex: how Probe pins downloads, identifies weights and
/// records each image file in a store's index. One implementation, from the system's libcrypto,
/// which is loaded on first use (`LibCrypto`).
public enum SHA256Digest {
    /// An incremental hasher, for bytes that arrive in pieces.
    public final class Hasher {
        private let crypto: probe_crypto_api
        private let context: OpaquePointer

        /// A SHA-256 hasher. Stops the process with a one-line message when libcrypto cannot be
        /// loaded (`file(_:)` throws that message instead).
        public convenience init() {
            let crypto = LibCrypto.required()
            self.init(crypto, algorithm: crypto.EVP_sha256())
        }

        /// A hasher for another libcrypto digest (MD5Digest uses it for Keras's md5 pins).
        init(_ crypto: probe_crypto_api, algorithm: OpaquePointer?) {
            self.crypto = crypto
            context = crypto.EVP_MD_CTX_new()!  // nil only when out of memory
            _ = crypto.EVP_DigestInit_ex(context, algorithm, nil)
        }

        deinit { crypto.EVP_MD_CTX_free(context) }

        public func update(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            _ = crypto.EVP_DigestUpdate(context, base, bytes.count)
        }

        public func update(_ data: Data) { data.withUnsafeBytes { update($0) } }

        /// The digest as lowercase hex; the hasher is spent afterwards.
        public func finalizeHex() -> String {
            var digest = [UInt8](repeating: 0, count: 32)
            var length: UInt32 = 0
            _ = crypto.EVP_DigestFinal_ex(context, &digest, &length)
            return hex(digest.prefix(Int(length)))
        }
    }

    public struct ReadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Hashes the file at `url` in 1 MiB chunks (constant memory for multi-GB files).
    public static func file(_ url: URL) throws -> String {
        let crypto = try LibCrypto.api(hashing: url)
        return try file(url, hasher: Hasher(crypto, algorithm: crypto.EVP_sha256()))
    }

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

/// libcrypto's digest functions, loaded with dlopen by the first hash (Sources/CCrypto says why).
enum LibCrypto {
    static let loaded = LazyLibrary.load { probe_crypto_load(PROBE_CRYPTO_SONAME, $0, $1, $2) }

    /// The table, or a `ReadError` for `url` saying which library is missing.
    static func api(hashing url: URL) throws -> probe_crypto_api {
        switch loaded {
        case .success(let api): return api
        case .failure(let error): throw SHA256Digest.ReadError(description: "\(url.path): cannot hash: \(error)")
        }
    }

    /// The table for the hashing calls that cannot throw (`SHA256Digest.data`, `Hasher()`): without
    /// libcrypto the process stops with the one-line reason, as it did at start-up when libcrypto
    /// was linked.
    static func required() -> probe_crypto_api {
        switch loaded {
        case .success(let api): return api
        case .failure(let error): fatalError("\(error)")
        }
    }
}
