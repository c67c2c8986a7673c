#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ParleyCore
import SystemPackage

/// One line of rigctld's default (non-extended) protocol.
enum RigctldReply: Sendable, Hashable {
    /// `RPRT n`: a set command's result (0 = done, negative = hamlib error).
    case status(Int)
    /// Any other line: a get command's value (`t` answers `0` or `1`).
    case value(String)

    init(line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("RPRT "), let code = Int(trimmed.dropFirst(5)) {
            self = .status(code)
        } else {
            self = .value(trimmed)
        }
    }
}

/// A blocking-with-deadline TCP connection to rigctld. Owned by ``RigctldPTT`` and used only
/// on its device thread.
final class RigctldSocket {
    enum Failure: Error {
        /// No answer before the deadline.
        case timedOut
        /// The peer closed the connection.
        case closed
        case system(Errno)
    }

    private let fd: Int32
    private var pending: [UInt8] = []

    private init(fd: Int32) { self.fd = fd }

    deinit { _ = Glibc.close(fd) }

    /// Connects to `host:port` (numeric or resolvable), TCP_NODELAY, before `deadline`.
    static func connect(host: String, port: Int, deadline: ContinuousClock.Instant) throws(Failure) -> RigctldSocket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw .system(.noSuchAddressOrDevice)
        }
        defer { freeaddrinfo(list) }
        var lastError = Errno.connectionRefused
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry?.pointee {
            entry = info.ai_next
            let fd = socket(info.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else {
                lastError = Errno(rawValue: Glibc.errno)
                continue
            }
            let socket = RigctldSocket(fd: fd)
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(fd, info.ai_addr, info.ai_addrlen) == 0 { return socket }
            let error = Errno(rawValue: Glibc.errno)
            guard error == .nowInProgress || error == .interrupted else {
                lastError = error
                continue
            }
            try socket.wait(for: Int16(POLLOUT), until: deadline)
            var status: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &status, &length)
            if status == 0 { return socket }
            lastError = Errno(rawValue: status)
        }
        throw .system(lastError)
    }

    /// Sends `line` (with its newline) completely before `deadline`.
    func send(_ line: String, until deadline: ContinuousClock.Instant) throws(Failure) {
        var bytes = Array(line.utf8)
        while !bytes.isEmpty {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                bytes.removeFirst(sent)
                continue
            }
            let error = Errno(rawValue: Glibc.errno)
            switch error {
            case .interrupted: continue
            case .resourceTemporarilyUnavailable: try wait(for: Int16(POLLOUT), until: deadline)
            case .brokenPipe, .connectionReset: throw .closed
            default: throw .system(error)
            }
        }
    }

    /// Reads one line (without its newline) before `deadline`.
    func readLine(until deadline: ContinuousClock.Instant) throws(Failure) -> String {
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 256)
            let count = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                pending += chunk[..<count]
                continue
            }
            if count == 0 { throw .closed }
            let error = Errno(rawValue: Glibc.errno)
            switch error {
            case .interrupted: continue
            case .resourceTemporarilyUnavailable: try wait(for: Int16(POLLIN), until: deadline)
            case .connectionReset: throw .closed
            default: throw .system(error)
            }
        }
    }

    private func wait(for events: Int16, until deadline: ContinuousClock.Instant) throws(Failure) {
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { throw .timedOut }
            let millis = left.pollMilliseconds
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let result = poll(&entry, 1, millis)
            if result > 0 { return }
            if result == 0 { throw .timedOut }
            let error = Errno(rawValue: Glibc.errno)
            if error != .interrupted { throw .system(error) }
        }
    }
}
