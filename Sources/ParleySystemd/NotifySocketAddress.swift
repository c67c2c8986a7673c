/// Where systemd listens for notifications: the value of `$NOTIFY_SOCKET`.
///
/// systemd passes either a filesystem path (`/run/systemd/notify`) or a Linux
/// abstract-namespace name written with a leading `@` (`@/org/freedesktop/systemd1/notify/…`),
/// whose first byte on the wire is NUL instead of `@`.
public enum NotifySocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// A socket bound in the filesystem; the path is absolute.
    case path(String)
    /// A socket in the abstract namespace; the name excludes the leading `@`/NUL.
    case abstract(String)

    /// `sun_path` holds 108 bytes; a path also needs its terminating NUL, an abstract
    /// name its leading NUL.
    static let maximumNameLength = 107

    /// Parses a `$NOTIFY_SOCKET` value; nil for values this implementation cannot use
    /// (empty, relative, too long, or a transport other than AF_UNIX such as `vsock:`).
    public init?(environmentValue value: String) {
        if value.hasPrefix("@") {
            let name = String(value.dropFirst())
            guard !name.isEmpty, name.utf8.count <= Self.maximumNameLength else { return nil }
            self = .abstract(name)
        } else if value.hasPrefix("/") {
            guard value.utf8.count <= Self.maximumNameLength, !value.utf8.contains(0) else { return nil }
            self = .path(value)
        } else {
            return nil
        }
    }

    /// The bytes that go into `sun_path` (NUL-terminated path, or NUL-led abstract name).
    var socketPathBytes: [UInt8] {
        switch self {
        case .path(let path):
            return Array(path.utf8) + [0]
        case .abstract(let name):
            return [0] + Array(name.utf8)
        }
    }

    /// The `$NOTIFY_SOCKET` spelling of this address.
    public var description: String {
        switch self {
        case .path(let path): return path
        case .abstract(let name): return "@" + name
        }
    }
}
