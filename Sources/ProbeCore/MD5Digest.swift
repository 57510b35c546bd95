import CCrypto
import Foundation

/// MD5 of a file, as lowercase hex, from the system's libcrypto (SHA256Digest's hasher with another
/// algorithm). Only to check downloads against the md5 `keras.applications` pins its weight files
/// with (`file_hash`); Probe identifies files by SHA-256 everywhere else.
public enum MD5Digest {
    public static func file(_ url: URL) throws -> String {
        let crypto = try LibCrypto.api(hashing: url)
        return try SHA256Digest.file(url, hasher: SHA256Digest.Hasher(crypto, algorithm: crypto.EVP_md5()))
    }
}
