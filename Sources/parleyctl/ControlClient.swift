#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ParleyControl
import ParleyCore

/// A blocking client for the control socket: one request at a time, replies read line by line.
final class ControlClient {
    private let fd: Int32
    private let path: String
    private var decoder = ControlLineDecoder(maxLineBytes: 256 << 20)
    private var lines: [[UInt8]] = []
    private var nextID: Int64 = 1

    init(path: String) throws(ParleyctlError) {
        self.path = path
        signal(SIGPIPE, SIG_IGN)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connection("cannot create a socket: \(Self.errnoText())") }
        var address = sockaddr_un()
        let bytes = Array(path.utf8)
        guard bytes.count <= 107 else {
            close(fd)
            throw .usage("socket path \(path) is longer than 107 bytes")
        }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            raw.copyBytes(from: bytes)
        }
        var status: Int32
        repeat {
            status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        } while status != 0 && errno == EINTR
        guard status == 0 else {
            let code = errno
            close(fd)
            throw .connection("cannot connect to \(path): \(Self.errnoText(code)) — \(Self.hint(code))")
        }
        self.fd = fd
    }

    deinit { close(fd) }

    private static func hint(_ code: Int32) -> String {
        switch code {
        case ENOENT: "is parleyd running? use --socket PATH or set PARLEY_SOCKET"
        case EACCES, EPERM: "your user may not use the socket; ask for access to its group (control.socket_mode)"
        case ECONNREFUSED: "nothing accepts connections there; is parleyd running? (a stale socket file is removed when it starts)"
        default: "check --socket and that parleyd is running"
        }
    }

    static func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    /// Sends one request and returns its final reply, handing each stream message to `onStream`.
    /// Throws `.refused` for an error reply.
    @discardableResult
    func call<A: ControlCommandArguments>(_ arguments: A, onStream: (ControlReply) throws -> Void = { _ in }) throws
        -> ControlReply
    {
        let id = ControlRequestID.int(nextID)
        nextID += 1
        try send(ControlRequest.line(id: id, arguments))
        while true {
            let reply = try readReply()
            guard reply.id == id || reply.id == nil else { continue }
            switch reply.kind {
            case .stream:
                try onStream(reply)
            case .success:
                return reply
            case .failure(let error):
                throw ParleyctlError.refused("\(error.code): \(error.message)")
            }
        }
    }

    private func send(_ text: String) throws(ParleyctlError) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                // The daemon may have answered (no_role) and closed: read its reason first.
                if let reply = try? readReply(), case .failure(let error) = reply.kind {
                    throw .refused("\(error.code): \(error.message)")
                }
                throw .connection("lost the connection to \(path): \(Self.errnoText())")
            }
            offset += written
        }
    }

    private func readReply() throws(ParleyctlError) -> ControlReply {
        let line = try readLine()
        do {
            return try ControlReply(line: line)
        } catch {
            throw .connection("parleyd sent a message parleyctl cannot read (\(error)) — are parleyd and parleyctl the same version?")
        }
    }

    private func readLine() throws(ParleyctlError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while lines.isEmpty {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .connection("lost the connection to \(path): \(Self.errnoText())")
            }
            if count == 0 {
                throw .connection("parleyd closed the connection (\(path)) — see journalctl -u parleyd")
            }
            for output in buffer.withUnsafeBytes({ decoder.feed(UnsafeRawBufferPointer(rebasing: $0[..<count])) }) {
                if case .line(let line) = output { lines.append(line) }
            }
        }
        return lines.removeFirst()
    }
}
