import ParleyConfig
import ParleyCore
import Testing

@Suite struct Defaults {
    @Test func defaultValuesAreTheDocumentedOnes() {
        let config = ParleyConfiguration()
        #expect(config.daemon.stateDirectory == "/var/lib/parley")
        #expect(config.daemon.runtimeDirectory == "/run/parley")
        #expect(config.daemon.logLevel == .info)
        #expect(config.store.file == "incidents.sqlite")
        #expect(config.store.synchronous == .full)
        #expect(config.store.batchMaxEvents == 1000)
        #expect(config.store.queueCapacity == 20_000)
        #expect(config.control.socket == "control.sock")
        #expect(config.control.socketMode == 0o660)
        #expect(config.control.maxLineBytes == 65_536)
        #expect(config.control.idleTimeout == .seconds(300))
        #expect(config.control.daemonUserRole == .admin)
        #expect(config.control.roles.isEmpty)
    }

    @Test(arguments: [
        "",
        "\n\n",
        "# only a comment\n",
        "---\n",
        "--- ~\n",
        "null\n",
        "daemon:\nstore:\ncontrol:\n",
        "daemon: {}\nstore: {}\ncontrol: {}\n",
    ])
    func emptyDocumentsGiveDefaults(yaml: String) throws {
        #expect(try parse(yaml) == ParleyConfiguration())
    }

    @Test func everyKeyIsRead() throws {
        let config = try parse("""
            daemon:
              state_dir: /srv/parley
              runtime_dir: /run/p
              log_level: debug
            store:
              file: /data/i.sqlite
              synchronous: normal
              batch_max_events: 50
              queue_capacity: 10_000_000
            control:
              socket: c.sock
              socket_mode: "0600"
              max_line_bytes: 16777216
              idle_timeout_seconds: 1.5
              daemon_user_role: none
              roles:
                - { uid: 0, role: admin }
                - { gid: 4294967294, role: engineer }
                - user: alice
                  role: dispatcher
                - { group: parley-dispatch, role: dispatcher }
            """)
        #expect(config.daemon == .init(stateDirectory: "/srv/parley", runtimeDirectory: "/run/p", logLevel: .debug))
        #expect(config.store == .init(file: "/data/i.sqlite", synchronous: .normal, batchMaxEvents: 50, queueCapacity: 10_000_000))
        #expect(config.control.socket == "c.sock")
        #expect(config.control.socketMode == 0o600)
        #expect(config.control.maxLineBytes == 16 * 1024 * 1024)
        #expect(config.control.idleTimeout == .milliseconds(1500))
        #expect(config.control.daemonUserRole == nil)
        #expect(config.control.roles == [
            .init(.uid(0), role: .admin),
            .init(.gid(4_294_967_294), role: .engineer),
            .init(.user(name: "alice", uid: 1001), role: .dispatcher),
            .init(.group(name: "parley-dispatch", gid: 200), role: .dispatcher),
        ])
    }

    @Test(arguments: ["660", "0660", "0o660", "'0660'"])
    func socketModeIsAlwaysOctal(written: String) throws {
        #expect(try parse("control:\n  socket_mode: \(written)\n").control.socketMode == 0o660)
    }

    @Test func exampleFileParsesAndDocumentsEveryKey() throws {
        let path = repositoryRoot + "/config/parley.example.yaml"
        let config = try ParleyConfiguration.load(file: path, accounts: .system)
        #expect(config.daemon == ParleyConfiguration.Daemon())
        #expect(config.store == ParleyConfiguration.Store())
        #expect(config.control.roles == [.init(.uid(1000), role: .dispatcher), .init(.gid(27), role: .engineer)])
        var withoutRoles = config
        withoutRoles.control.roles = []
        #expect(withoutRoles == ParleyConfiguration(), "the example shows the defaults")
    }

    @Test func demoFileParses() throws {
        let config = try ParleyConfiguration.load(file: repositoryRoot + "/config/demo.yaml", accounts: .system)
        #expect(config.daemon.stateDirectory == "./demo-state")
        #expect(config.daemon.logLevel == .info)
        #expect(config.control.daemonUserRole == .admin)
        let resolved = config.resolvingPaths(currentDirectory: "/home/pat/parley")
        #expect(resolved.storePath == "/home/pat/parley/demo-state/incidents.sqlite")
        #expect(resolved.socketPath == "/home/pat/parley/demo-state/control.sock")
    }

    @Test func systemAccountsResolveRoot() throws {
        #expect(AccountResolver.system.userID("root") == 0)
        #expect(AccountResolver.system.groupID("root") == 0)
        #expect(AccountResolver.system.userID("no-such-user-parley-test") == nil)
        #expect(AccountResolver.system.userID("") == nil)
    }
}
