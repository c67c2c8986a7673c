#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NIOCore

/// Who is at the other end of a Unix socket connection, as the kernel says (`SO_PEERCRED`):
/// the credentials at the time the peer called `connect()`.
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    public var description: String { "pid \(pid) uid \(uid) gid \(gid)" }

    /// The name incident changes are recorded under: the user name of `uid`, or `uid:<n>`
    /// when the uid has no passwd entry. May block on NSS (LDAP, sssd): call off the event loop.
    public var operatorName: String {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 1024)
        while true {
            let status = getpwuid_r(uid, &entry, &buffer, buffer.count, &result)
            if status == ERANGE, buffer.count < 1 << 20 {
                buffer = [CChar](repeating: 0, count: buffer.count * 4)
                continue
            }
            if status == EINTR { continue }
            break
        }
        guard result != nil, let name = entry.pw_name.map({ String(cString: $0) }), Self.isPlainName(name) else {
            return "uid:\(uid)"
        }
        return name
    }

    /// User names go into event sources: printable ASCII without spaces or colons.
    private static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: ":") }
    }
}

/// `struct ucred` from `<sys/socket.h>` (Glibc hides it behind `_GNU_SOURCE`, so Swift does not
/// import it). Three 32-bit fields in this order on every Linux ABI.
private struct KernelUcred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

extension PeerCredentials {
    /// Reads `SO_PEERCRED` of an accepted Unix-socket channel.
    static func of(_ channel: any Channel) async throws -> PeerCredentials {
        guard let provider = channel as? any SocketOptionProvider else {
            throw ControlServerError.peerCredentialsUnavailable("the channel has no socket options")
        }
        let raw = try await readUcred(provider)
        return PeerCredentials(pid: raw.pid, uid: raw.uid, gid: raw.gid)
    }

    // Kept internal and non-inlinable, as NIO asks for calls that read libc-typed options.
    private static func readUcred(_ provider: any SocketOptionProvider) async throws -> KernelUcred {
        precondition(MemoryLayout<KernelUcred>.size == 12, "struct ucred is 12 bytes on Linux")
        return try await provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)
        ).get()
    }
}
