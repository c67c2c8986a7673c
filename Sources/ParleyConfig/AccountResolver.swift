#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns `user:` and `group:` names in `control.roles` into ids when the file is loaded.
///
/// ``system`` asks the system user database (`getpwnam_r`/`getgrnam_r`, so NSS: files, LDAP,
/// sssd…). Tests pass their own table so that they do not depend on the machine's accounts.
public struct AccountResolver: Sendable {
    /// The uid of a user name, or nil when there is no such user.
    public var userID: @Sendable (String) -> UInt32?
    /// The gid of a group name, or nil when there is no such group.
    public var groupID: @Sendable (String) -> UInt32?

    public init(userID: @escaping @Sendable (String) -> UInt32?, groupID: @escaping @Sendable (String) -> UInt32?) {
        self.userID = userID
        self.groupID = groupID
    }

    /// A fixed table, for tests and tools.
    public static func table(users: [String: UInt32], groups: [String: UInt32]) -> AccountResolver {
        AccountResolver(userID: { users[$0] }, groupID: { groups[$0] })
    }

    /// The machine's user database.
    public static let system = AccountResolver(userID: systemUserID, groupID: systemGroupID)

    private static func systemUserID(_ name: String) -> UInt32? {
        guard !name.isEmpty, !name.utf8.contains(0) else { return nil }
        var entry = passwd()
        return lookUp { buffer, size in
            var result: UnsafeMutablePointer<passwd>?
            let status = getpwnam_r(name, &entry, buffer, size, &result)
            return (status, result == nil ? nil : UInt32(entry.pw_uid))
        }
    }

    private static func systemGroupID(_ name: String) -> UInt32? {
        guard !name.isEmpty, !name.utf8.contains(0) else { return nil }
        var entry = group()
        return lookUp { buffer, size in
            var result: UnsafeMutablePointer<group>?
            let status = getgrnam_r(name, &entry, buffer, size, &result)
            return (status, result == nil ? nil : UInt32(entry.gr_gid))
        }
    }

    /// Runs a `get*nam_r` call, growing the string buffer while it answers ERANGE.
    private static func lookUp(_ call: (UnsafeMutablePointer<CChar>, Int) -> (Int32, UInt32?)) -> UInt32? {
        var size = 4096
        while size <= 1 << 20 {
            let (status, id) = withUnsafeTemporaryAllocation(of: CChar.self, capacity: size) { buffer in
                call(buffer.baseAddress!, size)
            }
            if status == ERANGE {
                size *= 4
                continue
            }
            return status == 0 ? id : nil
        }
        return nil
    }
}
