#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Testing

/// The systemd end of sd_notify for tests: a bound AF_UNIX datagram socket, in a fresh
/// temporary directory or in the abstract namespace.
final class NotifyListener: Sendable {
    enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case filesystem
        case abstract
        var testDescription: String { rawValue }
    }

    /// What to put in `$NOTIFY_SOCKET`.
    let notifySocket: String
    private let descriptor: CInt
    private let directory: String?

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(_ kind: Kind) throws {
        let fd = socket(AF_UNIX, CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var pathBytes: [UInt8]
        switch kind {
        case .filesystem:
            // /tmp rather than $TMPDIR: sun_path holds only 108 bytes.
            var template = Array("/tmp/parley-sd-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else {
                close(fd)
                throw Failure(description: "mkdtemp: errno \(errno)")
            }
            let directory = String(cString: made)
            self.directory = directory
            self.notifySocket = directory + "/notify.sock"
            pathBytes = Array(notifySocket.utf8) + [0]
        case .abstract:
            let name = "parley-sd-test-\(getpid())-\(UInt64.random(in: 0 ... .max))"
            self.directory = nil
            self.notifySocket = "@" + name
            pathBytes = [0] + Array(name.utf8)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathBytes.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let error = errno
            close(fd)
            throw Failure(description: "bind \(notifySocket): errno \(error)")
        }
        self.descriptor = fd
    }

    deinit {
        close(descriptor)
        if let directory {
            unlink(notifySocket)
            rmdir(directory)
        }
    }

    /// The environment systemd would give us.
    var environment: [String: String] { ["NOTIFY_SOCKET": notifySocket] }

    /// The next datagram if one is already queued, without waiting. AF_UNIX datagrams are
    /// queued before sendto(2) returns, so "nothing pending" right after a send is exact.
    func pending() throws -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, CInt(MSG_DONTWAIT))
        if count < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            throw Failure(description: "recv: errno \(errno)")
        }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// All datagrams queued now.
    func drain() throws -> [String] {
        var messages: [String] = []
        while let message = try pending() { messages.append(message) }
        return messages
    }

    /// Waits (without blocking a thread) for the next datagram; generous timeout, so a
    /// slow CI machine does not fail the test.
    func next(timeout: Duration = .seconds(20)) async throws -> String {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let message = try pending() { return message }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw Failure(description: "no datagram on \(notifySocket) within \(timeout)")
    }
}
