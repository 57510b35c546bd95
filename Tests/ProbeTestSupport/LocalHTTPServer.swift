import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 (a port the kernel picks) that the download tests
/// start themselves. It serves fixed bodies, honours `Range: bytes=N-`, and can misbehave
/// on purpose: cut the first response short, or answer 404.
public final class LocalHTTPServer: @unchecked Sendable {
    public enum Behaviour {
        case normal
        /// Without a Range header: announce the full length, send this many bytes, hang up.
        case cutFirstResponseAfter(Int)
        /// Always send the whole file with 200, ignoring Range.
        case ignoreRange
        case status(Int)
    }

    public struct Route {
        public let body: Data
        public let behaviour: Behaviour
        public init(body: Data, behaviour: Behaviour) {
            self.body = body
            self.behaviour = behaviour
        }
    }

    private let listener: Int32
    public let port: UInt16
    private let routes: [String: Route]
    private let lock = NSLock()
    private var _requests: [(path: String, range: String?)] = []
    private let finished = DispatchSemaphore(value: 0)

    /// Every request served so far: its path and Range header.
    public var requests: [(path: String, range: String?)] { lock.lock(); defer { lock.unlock() }; return _requests }

    public init(routes: [String: Route]) throws {
        self.routes = routes
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    public func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)\(path)")! }

    /// Stops accepting and waits for the accept loop to end.
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        finished.wait()
    }

    private func acceptLoop() {
        defer { finished.signal() }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.containsHeaderEnd {
            let n = recv(client, &buffer, buffer.count, 0)
            if n <= 0 { return }
            request.append(contentsOf: buffer[0..<n])
        }
        let lines = String(decoding: request, as: UTF8.self).components(separatedBy: "\r\n")
        let path = lines.first?.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
        let range = lines.first { $0.lowercased().hasPrefix("range:") }
            .map { String($0.dropFirst("range:".count)).trimmingCharacters(in: .whitespaces) }
        lock.lock(); _requests.append((path, range)); lock.unlock()

        guard let route = routes[path] else { return send(client, status: "404 Not Found", headers: [], body: Data("not found".utf8)) }
        let body = route.body
        switch route.behaviour {
        case .status(let code):
            send(client, status: "\(code) Status", headers: [], body: Data("status \(code)".utf8))
        case .cutFirstResponseAfter(let count) where range == nil:
            send(client, status: "200 OK", headers: ["Content-Length: \(body.count)"], body: body.prefix(count), announcedFull: true)
        case .ignoreRange:
            send(client, status: "200 OK", headers: [], body: body)
        default:
            if let range, range.hasPrefix("bytes="), let start = Int(range.dropFirst(6).dropLast(range.hasSuffix("-") ? 1 : 0)) {
                if start >= body.count {
                    return send(client, status: "416 Range Not Satisfiable", headers: ["Content-Range: bytes */\(body.count)"], body: Data())
                }
                send(client, status: "206 Partial Content",
                     headers: ["Content-Range: bytes \(start)-\(body.count - 1)/\(body.count)"], body: body.suffix(from: start))
            } else {
                send(client, status: "200 OK", headers: [], body: body)
            }
        }
    }

    private func send(_ client: Int32, status: String, headers: [String], body: Data, announcedFull: Bool = false) {
        var head = "HTTP/1.1 \(status)\r\nConnection: close\r\n"
        if !announcedFull { head += "Content-Length: \(body.count)\r\n" }
        for h in headers { head += h + "\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        bytes.append(contentsOf: body)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            sent += n
        }
    }
}

private extension Array where Element == UInt8 {
    var containsHeaderEnd: Bool {
        guard count >= 4 else { return false }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 { return true }
        return false
    }
}
