import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Plays systemd's side of `sd_notify`: an `AF_UNIX` datagram socket at a path (pass it as
/// `NOTIFY_SOCKET`); a thread of its own records every datagram in arrival order.
final class NotifyListener: Sendable {
    struct Message: Sendable, CustomStringConvertible {
        /// `KEY=value` assignments, in datagram order.
        var fields: [(key: String, value: String)]
        var raw: String
        /// CLOCK_MONOTONIC (µs) when the datagram was read.
        var receivedAt: UInt64

        subscript(key: String) -> String? { fields.first { $0.key == key }?.value }
        var description: String { raw.replacingOccurrences(of: "\n", with: " | ") }
    }

    let path: String
    private let fd: Int32
    private let received = Mutex<[Message]>([])
    private let stopped = Atomic<Bool>(false)

    init(path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw TestFailure("bind \(path): \(String(cString: strerror(code)))")
        }
        self.path = path
        self.fd = fd
        let thread = Thread { [self] in receiveLoop() }
        thread.start()
    }

    private func receiveLoop() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !stopped.load(ordering: .acquiring) {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { continue }
            let text = String(decoding: buffer[..<count], as: UTF8.self)
            let fields = text.split(separator: "\n").map { line -> (key: String, value: String) in
                let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            }
            let message = Message(fields: fields, raw: text, receivedAt: monotonicMicroseconds())
            received.withLock { $0.append(message) }
        }
        close(fd)
    }

    /// Every datagram so far.
    var messages: [Message] { received.withLock { $0 } }

    /// Waits for the first message at index ≥ `from` that satisfies `matching`; returns its index.
    @discardableResult
    func waitFor(
        _ what: String, from: Int = 0, timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(25),
        _ matching: (Message) -> Bool
    ) async throws -> Int {
        try await eventually("sd_notify \(what) (received so far: \(messages))", timeout: timeout, every: interval) {
            let all = messages
            guard from < all.count else { return nil }
            return all[from...].firstIndex(where: matching)
        }
    }

    /// Stops the receiving thread (which holds the listener alive until then) and removes
    /// the socket file. Call it in `defer`.
    func stop() {
        stopped.store(true, ordering: .releasing)
        unlink(path)
    }
}
