import ParleyConfig
import Testing

/// A file that must be refused, and exactly where and how.
struct BadInput: CustomTestStringConvertible, Sendable {
    let name: String
    let yaml: String
    let code: ConfigurationError.Code
    let line: Int
    let column: Int
    let key: String
    /// Words the message must contain.
    let message: String
    /// Words the hint must contain.
    let hint: String

    var testDescription: String { name }
}

@Suite struct Errors {
    static let badInputs: [BadInput] = [
        BadInput(name: "unknown top-level key", yaml: """
            daemon:
              log_level: info
            deamon:
              state_dir: /x
            """, code: .unknownKey, line: 3, column: 1, key: "deamon",
            message: "unknown key 'deamon' at the top level", hint: "did you mean 'daemon'?"),
        BadInput(name: "unknown nested key", yaml: """
            daemon:
              log_levle: debug
            """, code: .unknownKey, line: 2, column: 3, key: "daemon.log_levle",
            message: "unknown key", hint: "did you mean 'log_level'?"),
        BadInput(name: "unknown key in a roles entry", yaml: """
            control:
              roles:
                - { usr: alice, role: admin }
            """, code: .unknownKey, line: 3, column: 9, key: "control.roles[0].usr",
            message: "unknown key 'usr'", hint: "did you mean 'user'?"),
        BadInput(name: "wrong type: list for a number", yaml: """
            store:
              batch_max_events: [1, 2]
            """, code: .wrongType, line: 2, column: 21, key: "store.batch_max_events",
            message: "expected a whole number, found a list", hint: "single value: use a whole number from 1 to 100000"),
        BadInput(name: "wrong type: word for a number", yaml: """
            control:
              max_line_bytes: lots
            """, code: .wrongType, line: 2, column: 19, key: "control.max_line_bytes",
            message: "found 'lots'", hint: "from 1024 to 16777216"),
        BadInput(name: "wrong type: section is not a mapping", yaml: """
            daemon: yes
            """, code: .notAMapping, line: 1, column: 9, key: "daemon",
            message: "expected a mapping", hint: "indented below it"),
        BadInput(name: "wrong type: roles is not a list", yaml: """
            control:
              roles: admin
            """, code: .wrongType, line: 2, column: 10, key: "control.roles",
            message: "expected a list", hint: "- { user: alice, role: dispatcher }"),
        BadInput(name: "missing value", yaml: """
            daemon:
              state_dir:
            """, code: .wrongType, line: 2, column: 13, key: "daemon.state_dir",
            message: "found no value", hint: "e.g. /var/lib/parley"),
        BadInput(name: "empty path", yaml: """
            store:
              file: ""
            """, code: .invalidValue, line: 2, column: 9, key: "store.file",
            message: "must not be empty", hint: "remove the key to use the default"),
        BadInput(name: "out-of-range int", yaml: """
            control:
              max_line_bytes: 100
            """, code: .outOfRange, line: 2, column: 19, key: "control.max_line_bytes",
            message: "100 is out of range", hint: "from 1024 to 16777216"),
        BadInput(name: "int too big for Int", yaml: """
            store:
              queue_capacity: 99999999999999999999999999
            """, code: .outOfRange, line: 2, column: 19, key: "store.queue_capacity",
            message: "out of range", hint: "from 1 to 10000000"),
        BadInput(name: "out-of-range seconds", yaml: """
            control:
              idle_timeout_seconds: 0
            """, code: .outOfRange, line: 2, column: 25, key: "control.idle_timeout_seconds",
            message: "out of range", hint: "from 1 to 86400"),
        BadInput(name: "seconds not a number", yaml: """
            control:
              idle_timeout_seconds: 5m
            """, code: .wrongType, line: 2, column: 25, key: "control.idle_timeout_seconds",
            message: "expected a number of seconds", hint: "from 1 to 86400"),
        BadInput(name: "bad enum", yaml: """
            daemon:
              log_level: loud
            """, code: .invalidValue, line: 2, column: 14, key: "daemon.log_level",
            message: "unknown log level 'loud'", hint: "use one of trace, debug, info, notice, warning, error, critical"),
        BadInput(name: "bad role in the third entry", yaml: """
            control:
              roles:
                - { uid: 1000, role: dispatcher }
                - { gid: 27, role: engineer }
                - { user: alice, role: boss }
            """, code: .invalidValue, line: 5, column: 28, key: "control.roles[2].role",
            message: "unknown role 'boss'", hint: "use one of engineer, dispatcher, admin"),
        BadInput(name: "bad daemon_user_role", yaml: """
            control:
              daemon_user_role: root
            """, code: .invalidValue, line: 2, column: 21, key: "control.daemon_user_role",
            message: "unknown role 'root'", hint: "engineer, dispatcher, admin, none"),
        BadInput(name: "bad octal mode", yaml: """
            control:
              socket_mode: "0680"
            """, code: .invalidValue, line: 2, column: 16, key: "control.socket_mode",
            message: "not an octal mode", hint: "\"0660\""),
        BadInput(name: "symbolic mode", yaml: """
            control:
              socket_mode: rw-rw----
            """, code: .invalidValue, line: 2, column: 16, key: "control.socket_mode",
            message: "not an octal mode", hint: "in octal"),
        BadInput(name: "setuid mode", yaml: """
            control:
              socket_mode: "4755"
            """, code: .outOfRange, line: 2, column: 16, key: "control.socket_mode",
            message: "setuid", hint: "at most \"0777\""),
        BadInput(name: "roles entry with two selectors", yaml: """
            control:
              roles:
                - uid: 1000
                  gid: 27
                  role: admin
            """, code: .invalidValue, line: 4, column: 7, key: "control.roles[0].gid",
            message: "'uid' and 'gid'", hint: "split it into one entry per selector"),
        BadInput(name: "roles entry with no selector", yaml: """
            control:
              roles:
                - { role: admin }
            """, code: .missingKey, line: 3, column: 7, key: "control.roles[0]",
            message: "no uid, gid, user or group", hint: "add one of them"),
        BadInput(name: "roles entry with no role", yaml: """
            control:
              roles:
                - { uid: 5 }
            """, code: .missingKey, line: 3, column: 7, key: "control.roles[0]",
            message: "no role", hint: "role: dispatcher"),
        BadInput(name: "roles entry refusing with none", yaml: """
            control:
              roles:
                - { uid: 5, role: none }
            """, code: .invalidValue, line: 3, column: 23, key: "control.roles[0].role",
            message: "unknown role 'none'", hint: "engineer, dispatcher, admin"),
        BadInput(name: "uid out of range", yaml: """
            control:
              roles:
                - { uid: -1, role: admin }
            """, code: .outOfRange, line: 3, column: 14, key: "control.roles[0].uid",
            message: "out of range", hint: "from 0 to 4294967294"),
        BadInput(name: "unknown user name", yaml: """
            control:
              roles:
                - { uid: 1000, role: dispatcher }
                - { user: mallory, role: admin }
            """, code: .unknownAccount, line: 4, column: 15, key: "control.roles[1].user",
            message: "no user named 'mallory'", hint: "fix the spelling"),
        BadInput(name: "unknown group name", yaml: """
            control:
              roles:
                - { group: 1234, role: engineer }
            """, code: .unknownAccount, line: 3, column: 16, key: "control.roles[0].group",
            message: "no group named '1234'", hint: "gid: 1234"),
        BadInput(name: "duplicate key", yaml: """
            daemon:
              log_level: info
              state_dir: /srv
              log_level: debug
            """, code: .duplicateKey, line: 4, column: 3, key: "daemon.log_level",
            message: "first at line 2", hint: "remove one of them"),
        BadInput(name: "duplicate section", yaml: """
            daemon: {}
            store: {}
            daemon:
              log_level: debug
            """, code: .duplicateKey, line: 3, column: 1, key: "daemon",
            message: "given twice", hint: "remove one of them"),
        BadInput(name: "duplicate key inside a list entry", yaml: """
            control:
              roles:
                - { uid: 1, role: admin }
                - { uid: 2, role: admin, "uid": 3 }
            """, code: .duplicateKey, line: 4, column: 30, key: "control.roles[1].uid",
            message: "first at line 4", hint: "remove one of them"),
        BadInput(name: "duplicate key once plain once quoted", yaml: """
            daemon:
              log_level: info
              "log_level": debug
            """, code: .duplicateKey, line: 3, column: 3, key: "daemon.log_level",
            message: "first at line 2", hint: "remove one of them"),
        BadInput(name: "duplicate key once number once text", yaml: """
            daemon:
              1: a
              "1": b
            """, code: .duplicateKey, line: 3, column: 3, key: "daemon.1",
            message: "first at line 2", hint: "remove one of them"),
        BadInput(name: "YAML syntax error: bad indentation", yaml: """
            daemon:
              log_level: info
               state_dir: /x
            """, code: .syntax, line: 3, column: 13, key: "",
            message: "mapping values are not allowed", hint: "check the indentation of this line"),
        BadInput(name: "YAML syntax error: unclosed flow mapping", yaml: """
            control:
              roles:
                - { uid: 1000, role: admin
            store:
              file: x
            """, code: .syntax, line: 4, column: 6, key: "",
            message: "flow mapping at line 3", hint: "close the '{' with '}'"),
        BadInput(name: "YAML syntax error: tab indentation", yaml: "daemon:\n\tlog_level: info\n",
                 code: .syntax, line: 2, column: 1, key: "",
                 message: "cannot start any token", hint: "spaces, not tabs"),
        BadInput(name: "two documents", yaml: "daemon: {}\n---\nstore: {}\n",
                 code: .syntax, line: 2, column: 1, key: "",
                 message: "single document", hint: "one file holds one configuration"),
        BadInput(name: "top level is a list", yaml: """
            - daemon
            - store
            """, code: .notAMapping, line: 1, column: 1, key: "",
            message: "found a list", hint: "start the file with a section name"),
        BadInput(name: "top level is text", yaml: "hello\n",
                 code: .notAMapping, line: 1, column: 1, key: "",
                 message: "found 'hello'", hint: "'daemon:'"),
        BadInput(name: "absolute socket path too long", yaml: "control:\n  socket: /" + String(repeating: "s", count: 120) + "\n",
                 code: .invalidValue, line: 2, column: 11, key: "control.socket",
                 message: "at most 107", hint: "shorter path"),
        BadInput(name: "control character in a path", yaml: "daemon:\n  state_dir: \"/srv/\\tparley\"\n",
                 code: .invalidValue, line: 2, column: 14, key: "daemon.state_dir",
                 message: "control character", hint: "remove tabs"),
    ]

    @Test(arguments: badInputs)
    func badInputIsRefusedWithLineKeyAndHint(_ input: BadInput) throws {
        let error = try #require(parseError(input.yaml), "\(input.name) should be refused")
        #expect(error.code == input.code, "\(error)")
        #expect(error.file == "test.yaml")
        #expect(error.line == input.line, "\(error)")
        #expect(error.column == input.column, "\(error)")
        #expect(error.key == input.key, "\(error)")
        #expect(error.message.contains(input.message), "\(error)")
        #expect(error.hint.contains(input.hint), "\(error)")
        #expect(!error.hint.isEmpty)
    }

    @Test func descriptionReadsFileLineColumnKeyMessageAndHint() throws {
        let error = try #require(parseError("""
            control:
              roles:
                - { uid: 1000, role: dispatcher }
                - { gid: 27, role: engineer }
                - { user: alice, role: boss }
            """))
        #expect(error.description
            == "test.yaml:5:28: control.roles[2].role: unknown role 'boss' — use one of engineer, dispatcher, admin")
    }

    @Test func missingFileNamesTheFile() throws {
        let path = "/nonexistent/parley-test/parley.yaml"
        let error = try #require(throws: ConfigurationError.self) {
            try ParleyConfiguration.load(file: path, accounts: testAccounts)
        }
        #expect(error.code == .unreadableFile)
        #expect(error.line == nil)
        #expect(error.description.hasPrefix("\(path): cannot open the configuration file: No such file or directory — "))
    }

    @Test func directoryIsNotAConfigurationFile() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try ParleyConfiguration.load(file: repositoryRoot + "/config", accounts: testAccounts)
        }
        #expect(error.code == .unreadableFile)
        #expect(error.message.contains("Is a directory"))
    }

    @Test func invalidUTF8IsReportedAtItsLine() throws {
        let path = FileManagerPaths.temporaryFile(contents: Array("daemon:\n  log_level: inf".utf8) + [0xFF] + Array("o\n".utf8))
        defer { FileManagerPaths.remove(path) }
        let error = try #require(throws: ConfigurationError.self) {
            try ParleyConfiguration.load(file: path, accounts: testAccounts)
        }
        #expect(error.code == .unreadableFile)
        #expect(error.line == 2)
        #expect(error.column == 17)
        #expect(error.hint.contains("UTF-8"))
    }

    @Test func controlCharacterInTextIsASyntaxErrorNotACrash() throws {
        let error = try #require(parseError("daemon:\n  log_level: in\u{7}fo\n"))
        #expect(error.line == 2)
        #expect(!error.hint.isEmpty)
    }
}
