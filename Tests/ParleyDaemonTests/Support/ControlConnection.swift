import Foundation
import ParleyCore

#if canImport(Glibc)
import Glibc
#endif

/// A raw control-socket client: a blocking POSIX `AF_UNIX` stream socket, every read bounded
/// by a deadline. Not thread-safe: one thread at a time (use `onThread` from async code).
final class ControlConnection {
    private let fd: Int32
    private var pending: [UInt8] = []
    private var closed = false
    private var nextID: Int64 = 1

    /// Connects to `path`; throws (with errno) when nothing listens there.
    init(path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            Glibc.close(fd)
            throw TestFailure("socket path too long (\(bytes.count) bytes): \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes + [0]) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw TestFailure("connect \(path): \(String(cString: strerror(code)))")
        }
        self.fd = fd
    }

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw TestFailure("send: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    /// The next line; nil at end of input (or reset). Throws after `timeout` without one.
    func readLine(timeout: Duration = .seconds(30)) throws -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { throw TestFailure("no response line within \(timeout)") }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let millis = Int32(min(left.components.seconds * 1000 + 1, 1000))
            if poll(&poller, 1, millis) <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return nil }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == ECONNRESET { return nil }
                throw TestFailure("recv: \(String(cString: strerror(errno)))")
            }
            pending += chunk[..<count]
        }
    }

    /// Sends one request line; returns its id.
    @discardableResult
    func submit(_ command: String, _ args: JSONValue = [:]) throws -> Int64 {
        let id = nextID
        nextID += 1
        let request: JSONValue = ["v": 1, "id": .int(id), "cmd": .string(command), "args": args]
        try send(request.canonicalString + "\n")
        return id
    }

    /// The next final response (stream messages are skipped); nil when the connection ends.
    func response(timeout: Duration = .seconds(30)) throws -> JSONValue? {
        while true {
            guard let line = try readLine(timeout: timeout) else { return nil }
            let message = try JSONValue.parse(line)
            if message["stream"] == nil { return message }
        }
    }

    /// Sends a request and returns its final response.
    func request(_ command: String, _ args: JSONValue = [:], timeout: Duration = .seconds(30)) throws -> JSONValue {
        try submit(command, args)
        guard let reply = try response(timeout: timeout) else {
            throw TestFailure("connection closed before the response to \(command)")
        }
        return reply
    }

    /// Connects, runs one request on a thread of its own, and disconnects.
    static func request(
        socket path: String, _ command: String, _ args: JSONValue = [:], timeout: Duration = .seconds(30)
    ) async throws -> JSONValue {
        try await onThread {
            let connection = try ControlConnection(path: path)
            defer { connection.close() }
            return try connection.request(command, args, timeout: timeout)
        }
    }
}

extension JSONValue {
    /// `value["a"]?["b"]` without the optionals.
    func at(_ path: String...) -> JSONValue? {
        var current: JSONValue? = self
        for key in path { current = current?[key] }
        return current
    }

    var isOK: Bool { self["ok"]?.boolValue == true }
    var errorCode: String? { at("error", "code")?.stringValue }
    var errorMessage: String? { at("error", "message")?.stringValue }

    var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }
}

/// Arguments of an `incidents.open` request.
func openArguments(summary: String = "test incident", grade: Int64 = 2, channel: String = "999") -> JSONValue {
    [
        "channel": .string(channel), "category": "Public Safety / Concern for safety", "grade": .int(grade),
        "summary": .string(summary),
    ]
}
