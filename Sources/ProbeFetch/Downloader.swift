import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
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
public struct Downloader: Sendable {
    /// Transfers tried per call before giving up; each one resumes where the last one stopped.
    public var maxAttempts: Int
    /// Seconds without progress before a transfer counts as broken.
    public var timeout: TimeInterval
    /// Called as bytes arrive with the bytes on disk so far and the full size when the server
    /// told it (on a background queue; libraries do not print, the caller may).
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
        let fm = FileManager.default
        if !fm.fileExists(atPath: part.path) { _ = fm.createFile(atPath: part.path, contents: nil) }
        let have = (try? fm.attributesOfItem(atPath: part.path)[.size] as? NSNumber)?.int64Value ?? 0

        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        if have > 0 { request.setValue("bytes=\(have)-", forHTTPHeaderField: "Range") }
        guard let handle = try? FileHandle(forWritingTo: part) else {
            throw TransferFailure.final("\(part.path): cannot open for writing")
        }
        defer { try? handle.close() }

        let delegate = TransferDelegate(handle: handle, have: have, url: url, onProgress: onProgress)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
        session.dataTask(with: request).resume()
        delegate.done.wait()
        session.finishTasksAndInvalidate()

        switch delegate.outcome {
        case .finished:
            let size = (try? fm.attributesOfItem(atPath: part.path)[.size] as? NSNumber)?.int64Value ?? 0
            if let total = delegate.expectedTotal, size != total {
                throw TransferFailure.resumable("\(url.absoluteString): transfer ended at \(size) of \(total) bytes")
            }
        case .alreadyComplete:
            return
        case .httpStatus(let code):
            throw TransferFailure.final("\(url.absoluteString): HTTP \(code)")
        case .broken(let reason):
            throw TransferFailure.resumable("\(url.absoluteString): \(reason)")
        case .writeFailed(let reason):
            throw TransferFailure.final("\(part.path): \(reason)")
        }
    }
}

/// Receives one transfer's response and bytes (on the session's serial queue) and writes them.
private final class TransferDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    enum Outcome {
        case finished, alreadyComplete, httpStatus(Int), broken(String), writeFailed(String)
    }

    let handle: FileHandle
    let have: Int64
    let url: URL
    let onProgress: (@Sendable (Int64, Int64?) -> Void)?
    let done = DispatchSemaphore(value: 0)
    var outcome: Outcome = .finished
    /// Bytes in the part file now.
    private var onDisk: Int64
    /// The full file size when the server said it.
    var expectedTotal: Int64?
    private var decided = false

    init(handle: FileHandle, have: Int64, url: URL, onProgress: (@Sendable (Int64, Int64?) -> Void)?) {
        self.handle = handle
        self.have = have
        self.url = url
        self.onProgress = onProgress
        self.onDisk = have
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = response as? HTTPURLResponse else {
            decide(.broken("not an HTTP response")); completionHandler(.cancel); return
        }
        switch http.statusCode {
        case 200:
            // Whole file: start over even if we had a part (the server ignored the range).
            do { try handle.truncate(atOffset: 0) } catch { decide(.writeFailed("cannot truncate")); completionHandler(.cancel); return }
            onDisk = 0
            if http.expectedContentLength >= 0 { expectedTotal = http.expectedContentLength }
            completionHandler(.allow)
        case 206:
            // Content-Range: bytes <first>-<last>/<total>; it must continue exactly where we stopped.
            let range = (http.value(forHTTPHeaderField: "Content-Range") ?? "")
            let numbers = range.split(whereSeparator: { !$0.isNumber }).compactMap { Int64($0) }
            guard numbers.count == 3, numbers[0] == have else {
                decide(.broken("server resumed at the wrong offset (\(range))")); completionHandler(.cancel); return
            }
            expectedTotal = numbers[2]
            do { try handle.seekToEnd() } catch { decide(.writeFailed("cannot seek")); completionHandler(.cancel); return }
            completionHandler(.allow)
        case 416 where have > 0:
            // Nothing left to send: the part is already whole (the hash check decides).
            decide(.alreadyComplete); completionHandler(.cancel)
        default:
            decide(.httpStatus(http.statusCode)); completionHandler(.cancel)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard !decided else { return }
        do { try handle.write(contentsOf: data) } catch {
            decide(.writeFailed("write failed (disk full?)"))
            dataTask.cancel()
            return
        }
        onDisk += Int64(data.count)
        onProgress?(onDisk, expectedTotal)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let error, !decided { decide(.broken(error.localizedDescription)) }
        done.signal()
    }

    private func decide(_ outcome: Outcome) {
        guard !decided else { return }
        decided = true
        self.outcome = outcome
    }
}
