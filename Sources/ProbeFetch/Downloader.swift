import CCurl
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ProbeCore

/// Resumable HTTP(S) downloads pinned by sha256.
///
/// Bytes go to `<destination>.part` as they arrive. When a transfer breaks, the next attempt
/// (in this call, or a later run) asks only for the rest with `Range: bytes=<have>-`; a server
/// that ignores ranges gets a fresh start. The finished file is hashed and only a match is
/// renamed onto `destination` (rename(2) in one folder: readers never see a partial file).
///
/// The transfer is libcurl's easy API, loaded with dlopen by the first download (Sources/CCurl says
/// why: Foundation's URLSession linked libcurl and its TLS and Kerberos chain into every start of
/// `probe`); without libcurl a download fails with a one-line error naming it and its package.
public struct Downloader: Sendable {
    /// Transfers tried per call before giving up; each one resumes where the last one stopped.
    public var maxAttempts: Int
    /// Seconds without progress before a transfer counts as broken.
    public var timeout: TimeInterval
    /// Called as bytes arrive with the bytes on disk so far and the full size when the server
    /// told it (on the thread that called `download`; libraries do not print, the caller may).
    public var onProgress: (@Sendable (_ received: Int64, _ total: Int64?) -> Void)?

    public init(maxAttempts: Int = 4, timeout: TimeInterval = 60,
                onProgress: (@Sendable (_ received: Int64, _ total: Int64?) -> Void)? = nil) {
        self.maxAttempts = max(1, maxAttempts)
        self.timeout = timeout
        self.onProgress = onProgress
    }

    /// The partial file a download of `destination` writes to.
    public static func partialFile(for destination: URL) -> URL {
        destination.deletingLastPathComponent().appendingPathComponent(destination.lastPathComponent + ".part")
    }

    /// Downloads `url` to `destination` unless a file matching `sha256` is already there.
    ///
    /// - Parameter sha256: the full lowercase hex digest, or a prefix of at least 8 hex digits
    ///   when the publisher pins only a prefix (torchvision's checkpoint names).
    /// - Returns: `destination`.
    @discardableResult
    public func download(_ url: URL, to destination: URL, sha256 pinned: String) throws -> URL {
        try download(url, to: destination) { file in
            let actual = try SHA256Digest.file(file)
            return SHA256Digest.matches(actual, pinned: pinned) ? nil : "sha256 mismatch: expected \(pinned), got \(actual)"
        }
    }

    /// Downloads `url` to `destination` unless a file that `check` accepts is already there.
    /// `check` returns nil for a good file, else why it is not (for publishers that pin something
    /// other than a sha256, such as Keras's size and md5); a download it refuses is discarded.
    @discardableResult
    public func download(_ url: URL, to destination: URL, check: (URL) throws -> String?) throws -> URL {
        let fm = FileManager.default
        if fm.fileExists(atPath: destination.path) {
            if try check(destination) == nil { return destination }
            try? fm.removeItem(at: destination)
        }
        try ProbeCache.ensureDirectory(destination.deletingLastPathComponent())
        let part = Downloader.partialFile(for: destination)

        var lastError: FetchError?
        for _ in 0..<maxAttempts {
            do {
                try transfer(url, into: part)
                lastError = nil
                break
            } catch let error as TransferFailure {
                switch error {
                case .final(let message):
                    Downloader.removeIfEmpty(part)
                    throw FetchError(message)
                case .resumable(let message): lastError = FetchError(message)
                }
            }
        }
        if let lastError {
            Downloader.removeIfEmpty(part)
            throw lastError
        }

        if let mismatch = try check(part) {
            try? fm.removeItem(at: part)
            throw FetchError("\(url.absoluteString): \(mismatch); the download was discarded")
        }
        guard rename(part.path, destination.path) == 0 else {
            throw FetchError("\(destination.path): cannot move the download into place: \(String(cString: strerror(errno)))")
        }
        return destination
    }

    /// A partial file is kept for the next run to resume, but not an empty one.
    private static func removeIfEmpty(_ part: URL) {
        let size = ((try? FileManager.default.attributesOfItem(atPath: part.path)[.size]) as? NSNumber)?.int64Value
        if size == 0 { try? FileManager.default.removeItem(at: part) }
    }

    private enum TransferFailure: Error {
        /// Worth another attempt from where we stopped (connection lost, short body).
        case resumable(String)
        /// Retrying will not help (404, refused range, ...).
        case final(String)
    }

    /// One HTTP transfer appending to `part` (or restarting it if the server sends the whole file).
    private func transfer(_ url: URL, into part: URL) throws {
        let curl: probe_curl_api
        switch LibCurl.loaded {
        case .success(let api): curl = api
        case .failure(let reason): throw TransferFailure.final("\(url.absoluteString): \(reason)")
        }
        let fm = FileManager.default
        if !fm.fileExists(atPath: part.path) { _ = fm.createFile(atPath: part.path, contents: nil) }
        let have = (try? fm.attributesOfItem(atPath: part.path)[.size] as? NSNumber)?.int64Value ?? 0

        guard let handle = try? FileHandle(forWritingTo: part) else {
            throw TransferFailure.final("\(part.path): cannot open for writing")
        }
        defer { try? handle.close() }
        guard let easy = curl.curl_easy_init() else {
            throw TransferFailure.resumable("\(url.absoluteString): libcurl cannot start a transfer")
        }
        defer { curl.curl_easy_cleanup(easy) }

        let state = TransferState(handle: handle, have: have, onProgress: onProgress)
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        defer { errorBuffer.deallocate() }
        // Whole seconds for libcurl; "no progress" means under 1 byte/s for `timeout` seconds.
        let seconds = max(1, Int(timeout.rounded(.up)))
        let code: CURLcode = withUnsafePointer(to: curl) { api in
            probe_curl_setopt_pointer(api, easy, CURLOPT_URL, url.absoluteString)
            probe_curl_setopt_pointer(api, easy, CURLOPT_PROTOCOLS_STR, "http,https")
            probe_curl_setopt_pointer(api, easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
            probe_curl_setopt_long(api, easy, CURLOPT_FOLLOWLOCATION, 1)
            probe_curl_setopt_long(api, easy, CURLOPT_MAXREDIRS, 10)
            probe_curl_setopt_long(api, easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
            probe_curl_setopt_pointer(api, easy, CURLOPT_USERAGENT, "probe")
            // No signals (libcurl's own timeouts would use SIGALRM otherwise; other threads run).
            probe_curl_setopt_long(api, easy, CURLOPT_NOSIGNAL, 1)
            probe_curl_setopt_long(api, easy, CURLOPT_CONNECTTIMEOUT, seconds)
            probe_curl_setopt_long(api, easy, CURLOPT_LOW_SPEED_LIMIT, 1)
            probe_curl_setopt_long(api, easy, CURLOPT_LOW_SPEED_TIME, seconds)
            if have > 0 { probe_curl_setopt_pointer(api, easy, CURLOPT_RANGE, "\(have)-") }
            probe_curl_setopt_pointer(api, easy, CURLOPT_ERRORBUFFER, errorBuffer)
            let context = Unmanaged.passUnretained(state).toOpaque()
            probe_curl_setopt_callback(api, easy, CURLOPT_HEADERFUNCTION) { bytes, size, count, context in
                let state = Unmanaged<TransferState>.fromOpaque(context!).takeUnretainedValue()
                return state.header(UnsafeRawBufferPointer(start: bytes, count: size * count)) ? size * count : 0
            }
            probe_curl_setopt_pointer(api, easy, CURLOPT_HEADERDATA, context)
            probe_curl_setopt_callback(api, easy, CURLOPT_WRITEFUNCTION) { bytes, size, count, context in
                let state = Unmanaged<TransferState>.fromOpaque(context!).takeUnretainedValue()
                return state.body(UnsafeRawBufferPointer(start: bytes, count: size * count)) ? size * count : 0
            }
            probe_curl_setopt_pointer(api, easy, CURLOPT_WRITEDATA, context)
            return withExtendedLifetime(state) { curl.curl_easy_perform(easy) }
        }

        switch state.outcome {
        case .alreadyComplete:
            return
        case .httpStatus(let status):
            throw TransferFailure.final("\(url.absoluteString): HTTP \(status)")
        case .broken(let reason):
            throw TransferFailure.resumable("\(url.absoluteString): \(reason)")
        case .writeFailed(let reason):
            throw TransferFailure.final("\(part.path): \(reason)")
        case nil:
            guard code == CURLE_OK else {
                let detail = errorBuffer.pointee != 0 ? String(cString: errorBuffer) : curl.curl_easy_strerror(code).map { String(cString: $0) } ?? "libcurl error \(code.rawValue)"
                throw TransferFailure.resumable("\(url.absoluteString): \(detail)")
            }
            guard state.accepted else { throw TransferFailure.resumable("\(url.absoluteString): no HTTP response") }
            let size = (try? fm.attributesOfItem(atPath: part.path)[.size] as? NSNumber)?.int64Value ?? 0
            if let total = state.expectedTotal, size != total {
                throw TransferFailure.resumable("\(url.absoluteString): transfer ended at \(size) of \(total) bytes")
            }
        }
    }
}

/// libcurl's easy API, loaded with dlopen by the first download (Sources/CCurl says why).
enum LibCurl {
    static let loaded = LazyLibrary.load { probe_curl_load(PROBE_CURL_SONAME, $0, $1, $2) }
}

/// One transfer's response and bytes, fed by libcurl's header and write callbacks (on the thread
/// running curl_easy_perform): decides from the final response's status whether to take the body,
/// and writes it to the part file.
private final class TransferState {
    enum Outcome {
        case alreadyComplete, httpStatus(Int), broken(String), writeFailed(String)
    }

    let handle: FileHandle
    let have: Int64
    let onProgress: (@Sendable (Int64, Int64?) -> Void)?
    /// Set when the transfer must stop (or stopped) for a reason other than libcurl's own.
    private(set) var outcome: Outcome?
    /// True once a 200 or 206 response has been accepted and its body is being written.
    private(set) var accepted = false
    /// The full file size when the server said it.
    private(set) var expectedTotal: Int64?
    /// Bytes in the part file now.
    private var onDisk: Int64
    /// The current response's status and header lines (a redirect or 100 Continue comes first).
    private var status = 0
    private var headers: [String: String] = [:]

    init(handle: FileHandle, have: Int64, onProgress: (@Sendable (Int64, Int64?) -> Void)?) {
        self.handle = handle
        self.have = have
        self.onProgress = onProgress
        self.onDisk = have
    }

    /// One header line ("HTTP/1.1 200 OK", "Name: value", or the blank line that ends a
    /// response's headers). False stops the transfer.
    func header(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            status = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            headers = [:]
        } else if let colon = line.firstIndex(of: ":") {
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        } else if line.isEmpty {
            // Interim responses, and redirects libcurl is about to follow, are not the answer.
            if (100..<200).contains(status) || ((300..<400).contains(status) && headers["location"] != nil) { return true }
            return respond()
        }
        return true
    }

    /// Decides on the final response's status and headers, as the server sent them.
    private func respond() -> Bool {
        switch status {
        case 200:
            // Whole file: start over even if we had a part (the server ignored the range).
            do { try handle.truncate(atOffset: 0) } catch { return stop(.writeFailed("cannot truncate")) }
            onDisk = 0
            if let length = headers["content-length"].flatMap({ Int64($0) }), length >= 0 { expectedTotal = length }
        case 206:
            // Content-Range: bytes <first>-<last>/<total>; it must continue exactly where we stopped.
            let range = headers["content-range"] ?? ""
            let numbers = range.split(whereSeparator: { !$0.isNumber }).compactMap { Int64($0) }
            guard numbers.count == 3, numbers[0] == have else {
                return stop(.broken("server resumed at the wrong offset (\(range))"))
            }
            expectedTotal = numbers[2]
            do { try handle.seekToEnd() } catch { return stop(.writeFailed("cannot seek")) }
        case 416 where have > 0:
            // Nothing left to send: the part is already whole (the hash check decides).
            return stop(.alreadyComplete)
        default:
            return stop(.httpStatus(status))
        }
        accepted = true
        return true
    }

    /// A piece of the body. False stops the transfer.
    func body(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard accepted, outcome == nil else { return false }
        do { try handle.write(contentsOf: bytes) } catch { return stop(.writeFailed("write failed (disk full?)")) }
        onDisk += Int64(bytes.count)
        onProgress?(onDisk, expectedTotal)
        return true
    }

    private func stop(_ outcome: Outcome) -> Bool {
        if self.outcome == nil { self.outcome = outcome }
        return false
    }
}
