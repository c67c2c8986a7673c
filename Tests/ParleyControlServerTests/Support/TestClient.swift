import Foundation
import ParleyControl
import ParleyCore

/// Runs blocking work on a thread of its own, never on the cooperative pool (which the server
/// under test needs).
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

/// A raw control-socket client: a blocking POSIX socket, every read bounded by a timeout.
final class TestClient: @unchecked Sendable {
    // Used by one test at a time, one call at a time.
    private let fd: Int32
    private var pending: [UInt8] = []
    private var consumed = 0
    private var closed = false

    private init(fd: Int32) { self.fd = fd }

    deinit { if !closed { Glibc.close(fd) } }

    static func connect(_ path: String) async throws -> TestClient {
        try await blocking {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
            let status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard status == 0 else {
                let code = errno
                Glibc.close(fd)
                throw TestFailure("connect \(path): \(String(cString: strerror(code)))")
            }
            return TestClient(fd: fd)
        }
    }

    func send(_ text: String) async throws {
        let bytes = Array(text.utf8)
        try await blocking { [self] in
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard written > 0 else { throw TestFailure("send: \(String(cString: strerror(errno)))") }
                offset += written
            }
        }
    }

    /// The next line, or nil at end of input. Throws after `timeout` without a line.
    func line(timeout: Duration = .seconds(10)) async throws -> String? {
        try await blocking { [self] in try readLine(timeout: timeout) }
    }

    private func readLine(timeout: Duration) throws -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let newline = pending[consumed...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[consumed..<newline], as: UTF8.self)
                consumed = newline + 1
                if consumed == pending.count {
                    pending.removeAll(keepingCapacity: true)
                    consumed = 0
                }
                return line
            }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { throw TestFailure("no line within \(timeout)") }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let millis = Int32(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&poller, 1, millis)
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 {
                if pending.count == consumed { return nil }
                throw TestFailure("connection ended inside a line")
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == ECONNRESET { return nil }
                throw TestFailure("recv: \(String(cString: strerror(errno)))")
            }
            if consumed > 0 {
                pending.removeSubrange(..<consumed)
                consumed = 0
            }
            pending += chunk[..<count]
        }
    }

    /// The next `count` lines, read on one thread.
    func lines(_ count: Int, timeout: Duration = .seconds(30)) async throws -> [String] {
        try await blocking { [self] in
            var lines: [String] = []
            while lines.count < count {
                guard let line = try readLine(timeout: timeout) else { throw TestFailure("connection closed") }
                lines.append(line)
            }
            return lines
        }
    }

    /// The next message as JSON.
    func message(timeout: Duration = .seconds(10)) async throws -> JSONValue {
        guard let line = try await line(timeout: timeout) else { throw TestFailure("connection closed") }
        return try ControlJSON.parse(line)
    }

    /// Sends a request and returns its final response (stream messages are collected in `streamed`).
    func request(_ command: String, _ args: JSONValue = [:], id: Int64 = 1) async throws -> JSONValue {
        try await send(Self.requestLine(command, args, id: id))
        while true {
            let reply = try await message()
            if reply["stream"] == nil { return reply }
        }
    }

    static func requestLine(_ command: String, _ args: JSONValue = [:], id: Int64 = 1) -> String {
        let request: JSONValue = ["v": 1, "id": .int(id), "cmd": .string(command), "args": args]
        return request.canonicalString + "\n"
    }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }
}

extension JSONValue {
    /// `value["a"]?["b"]` without the optionals, for tests.
    func at(_ path: String...) -> JSONValue? {
        var current: JSONValue? = self
        for key in path { current = current?[key] }
        return current
    }

    var errorCode: String? { at("error", "code")?.stringValue }
    var arrayValue: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }
    var isOK: Bool { self["ok"] == .bool(true) }
}
