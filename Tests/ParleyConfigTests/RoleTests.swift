import ParleyConfig
import ParleyCore
import Testing

@Suite struct RoleResolution {
    /// daemon uid 999 (admin by daemon_user_role unless stated), and:
    static let yaml = """
        control:
          roles:
            - { uid: 1000, role: dispatcher }
            - { gid: 27, role: engineer }
            - { gid: 100, role: admin }
            - { user: alice, role: engineer }      # uid 1001
            - { uid: 1001, role: dispatcher }
            - { group: parley-dispatch, role: dispatcher }   # gid 200
            - { uid: 999, role: engineer }
        """

    struct Case: CustomTestStringConvertible, Sendable {
        let why: String
        let uid: UInt32
        let gids: [UInt32]
        let daemonUserRole: Role?
        let expected: Role?
        var testDescription: String { why }
    }

    static let cases: [Case] = [
        Case(why: "uid rule", uid: 1000, gids: [5], daemonUserRole: .admin, expected: .dispatcher),
        Case(why: "uid match beats a higher gid match", uid: 1000, gids: [100], daemonUserRole: .admin, expected: .dispatcher),
        Case(why: "highest of two uid matches (user: and uid:)", uid: 1001, gids: [], daemonUserRole: .admin, expected: .dispatcher),
        Case(why: "gid rule", uid: 2000, gids: [27], daemonUserRole: .admin, expected: .engineer),
        Case(why: "highest of several gid matches", uid: 2000, gids: [27, 100], daemonUserRole: .admin, expected: .admin),
        Case(why: "group name rule", uid: 2000, gids: [200], daemonUserRole: .admin, expected: .dispatcher),
        Case(why: "matching nothing is refused", uid: 2000, gids: [5], daemonUserRole: .admin, expected: nil),
        Case(why: "root is not special", uid: 0, gids: [0], daemonUserRole: .admin, expected: nil),
        Case(why: "daemon user gets daemon_user_role over its lower uid rule", uid: 999, gids: [], daemonUserRole: .admin, expected: .admin),
        Case(why: "daemon_user_role none leaves the daemon user's uid rule", uid: 999, gids: [100], daemonUserRole: nil, expected: .engineer),
        Case(why: "daemon_user_role below a uid rule: highest wins", uid: 999, gids: [], daemonUserRole: .engineer, expected: .engineer),
    ]

    @Test(arguments: cases)
    func roleOfPeer(_ test: Case) throws {
        var config = try parse(Self.yaml)
        config.control.daemonUserRole = test.daemonUserRole
        #expect(config.role(forUID: test.uid, gids: test.gids, daemonUID: 999) == test.expected)
    }

    @Test func daemonUserWithNoRulesAndNoneIsRefused() throws {
        let config = try parse("control:\n  daemon_user_role: none\n")
        #expect(config.role(forUID: 999, gids: [999], daemonUID: 999) == nil)
    }

    @Test func defaultConfigurationAdmitsOnlyTheDaemonUser() {
        let config = ParleyConfiguration()
        #expect(config.role(forUID: 0, gids: [0], daemonUID: 0) == .admin)
        #expect(config.role(forUID: 1000, gids: [1000], daemonUID: 0) == nil)
    }
}
