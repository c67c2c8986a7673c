#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The control socket's file: cleared when stale, published with its mode already set, and
/// removed only if it is still ours.
///
/// The listener is bound at a temporary name in the same directory, `chmod`ed, then renamed
/// into place, so no client can connect while the socket still has the umask's permissions,
/// and the path's existence means the daemon is accepting connections.
enum SocketFile {
    /// Identifies the published socket, so that shutdown never removes a successor's socket.
    struct Identity: Sendable, Equatable {
        var device: UInt64
        var inode: UInt64
    }

    static let maxPathBytes = 107

    /// Removes a leftover socket at `path` (nothing accepts on it); refuses to touch a live
    /// socket or anything that is not a socket.
    static func clearStale(at path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw ControlServerError.cannotPrepare(path, errnoText())
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else { throw ControlServerError.notASocket(path) }
        if isAccepting(path) { throw ControlServerError.socketInUse(path) }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw ControlServerError.cannotPrepare(path, "cannot remove the stale socket: \(errnoText())")
        }
    }

    /// A temporary name next to `path` for binding before the socket is published.
    static func temporaryPath(for path: String) -> String {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        return "\(directory.isEmpty ? "" : directory)/.parley-ctl-\(getpid()).sock"
    }

    /// Sets `mode` on the bound socket at `temporary` and renames it to `path`.
    static func publish(_ temporary: String, as path: String, mode: UInt32) throws -> Identity {
        guard chmod(temporary, mode_t(mode)) == 0 else {
            let reason = errnoText()
            unlink(temporary)
            throw ControlServerError.cannotPrepare(path, "chmod \(String(mode, radix: 8)) failed: \(reason)")
        }
        guard temporary == path || rename(temporary, path) == 0 else {
            let reason = errnoText()
            unlink(temporary)
            throw ControlServerError.cannotPrepare(path, "rename into place failed: \(reason)")
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { throw ControlServerError.cannotPrepare(path, errnoText()) }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Removes `path` if it is still the socket we published.
    static func remove(_ path: String, identity: Identity) {
        var info = stat()
        guard lstat(path, &info) == 0,
            Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)) == identity
        else { return }
        unlink(path)
    }

    /// True when something accepts connections at `path` (or its backlog is full).
    static func isAccepting(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        guard fill(&address, path: path) else { return false }
        let status = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if status == 0 { return true }
        return errno == EAGAIN || errno == EINPROGRESS
    }

    static func fill(_ address: inout sockaddr_un, path: String) -> Bool {
        let bytes = Array(path.utf8)
        guard bytes.count <= maxPathBytes else { return false }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            raw.copyBytes(from: bytes)
        }
        return true
    }

    static func errnoText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}
