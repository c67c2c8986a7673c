import ParleyConfig
import Testing

/// The loader is fed untrusted text (and fuzzed: see Fuzz/). It must refuse, never trap.
@Suite struct Robustness {
    @Test func everyPrefixOfTheExampleParsesOrIsRefused() throws {
        let example = try String(contentsOfFile: repositoryRoot + "/config/parley.example.yaml", encoding: .utf8)
        let scalars = Array(example.unicodeScalars)
        for end in stride(from: 0, through: scalars.count, by: 1) {
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars[..<end])
            if let error = parseError(String(text)) {
                #expect(error.line != nil, "\(error)")
                #expect(!error.hint.isEmpty, "\(error)")
            }
        }
    }

    @Test func deepNestingIsRefused() throws {
        for depth in [900, 5000] {
            let yaml = "daemon: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            let error = try #require(parseError(yaml))
            #expect(error.line == 1, "\(error)")
        }
        let blocks = "daemon:\n" + (1...1200).map { String(repeating: " ", count: $0) + "k:\n" }.joined()
        #expect(parseError(blocks) != nil)
    }

    @Test func aliasesAreExpandedButUnknownKeysStopEarly() throws {
        let yaml = """
            daemon:
              log_level: &l info
            store:
              synchronous: *l
            """
        #expect(parseError(yaml)?.key == "store.synchronous")
        let laughs = """
            x: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
            y: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
            z: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
            w: [*c, *c, *c, *c, *c, *c, *c, *c, *c]
            """
        #expect(parseError(laughs)?.key == "x")
    }

    @Test(arguments: ["&", "*", "!", "%", "@", "`", "{", "[", "]", "}", ":", "? ", "- ", "|", ">", "\"", "'", "#", ",",
                      "\u{FEFF}daemon: {}", "daemon: !!binary x", "daemon: !custom {}", "? [a, b]\n: c", "<<: {}",
                      "daemon:\n  <<: { log_level: debug }", "\u{0}", "daemon: \u{85}", "a:\u{2028}b", "%YAML 1.1\n---\n",
                      "control:\n  roles:\n    - [uid, 5]", "control:\n  roles:\n    - { uid: 1.5, role: admin }",
                      "control:\n  roles:\n    - { uid: 0x10, role: admin }", "control:\n  idle_timeout_seconds: .inf",
                      "control:\n  idle_timeout_seconds: nan", "control:\n  idle_timeout_seconds: -0.5",
                      "control:\n  idle_timeout_seconds: 1e3", "store:\n  batch_max_events: 1__0",
                      "store:\n  batch_max_events: _10", "store:\n  batch_max_events: +10", "store:\n  batch_max_events: -",
                      "control:\n  socket_mode: ''", "control:\n  socket_mode: 0o", "control:\n  socket_mode: 00000000660"])
    func oddInputDoesNotTrap(yaml: String) {
        if let error = parseError(yaml) {
            #expect(!error.description.isEmpty)
        }
    }
}
