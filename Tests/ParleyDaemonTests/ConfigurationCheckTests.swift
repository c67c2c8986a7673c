import Foundation
import Testing

/// `parleyd --check-config` and startup with a bad configuration (foundation issue: exit 0/1
/// for the check, file:line:col key messages, exit 78 at startup).
struct ConfigurationCheckTests {
    @Test(arguments: ["config/demo.yaml", "config/parley.example.yaml"])
    func shippedConfigurationPassesTheCheck(_ relativePath: String) async throws {
        let directory = try TemporaryDirectory("chk")
        let file = Repository.file(relativePath)
        let result = try await runTool(try Products.parleyd(), ["--config", file, "--check-config"], in: directory)
        #expect(result.status == .exited(0), "\(result)")
        #expect(result.stdout.contains("is valid"), "\(result)")
    }

    @Test func releasePTTSaysWhatHappensToATETRAChannelsTransmission() async throws {
        let directory = try TemporaryDirectory("relptt")
        let config = try directory.write("parleyd.yaml", testConfiguration(extra: """
            channels:
              - { id: tg1, capture: { device: "null" }, tetra: { device: sim/a.pty, gssi: 1001 } }
              - { id: tg2, capture: { device: "null" }, tetra: { device: sim/b.pty, gssi: 1002, init: [ATE0] } }
            """))
        let result = try await runTool(
            try Products.parleyd(), ["--config", config, "--state-dir", directory.file("state"), "--release-ptt"], in: directory)
        #expect(result.status == .exited(0), "\(result)")
        #expect(result.stdout.contains("tg1: TETRA terminal on") && result.stdout.contains("ATZ in the set-up resets the terminal"), "\(result)")
        #expect(result.stdout.contains("tg2: TETRA terminal on") && result.stdout.contains("put ATZ in tetra.init"), "\(result)")
    }

    struct BadFile: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        /// `file:line:` expected in the message.
        var line: Int
        var key: String
        var testDescription: String { name }
    }

    static let badFiles: [BadFile] = [
        BadFile(name: "unknown key", text: "daemon:\n  log_level: info\n  bogus: 1\n", line: 3, key: "daemon.bogus"),
        BadFile(
            name: "number out of range", text: "store:\n  synchronous: full\n  batch_max_events: -5\n", line: 3,
            key: "store.batch_max_events"),
        BadFile(name: "unknown name", text: "daemon:\n  log_level: loud\n", line: 2, key: "daemon.log_level"),
        BadFile(
            name: "wrong type", text: "# cap\nstore:\n  max_size_mb: lots\n", line: 3, key: "store.max_size_mb"),
        BadFile(name: "unknown section", text: "daemon:\n  log_level: info\nstorage:\n  file: x\n", line: 3, key: "storage"),
    ]

    @Test(arguments: badFiles)
    func invalidConfigurationFailsTheCheckNamingFileLineAndKey(_ bad: BadFile) async throws {
        let directory = try TemporaryDirectory("chk")
        let file = try directory.write("bad.yaml", bad.text)
        let result = try await runTool(try Products.parleyd(), ["--config", file, "--check-config"], in: directory)
        #expect(result.status == .exited(1), "\(result)")
        #expect(result.stderr.contains("\(file):\(bad.line):"), "\(result)")
        #expect(result.stderr.contains(bad.key), "\(result)")
        // Says what to do, not only what is wrong.
        #expect(result.stderr.contains("—"), "\(result)")
    }

    @Test func missingConfigurationFileFailsTheCheck() async throws {
        let directory = try TemporaryDirectory("chk")
        let file = directory.file("absent.yaml")
        let result = try await runTool(try Products.parleyd(), ["--config", file, "--check-config"], in: directory)
        #expect(result.status == .exited(1), "\(result)")
        #expect(result.stderr.contains(file), "\(result)")
    }

    @Test func startupWithInvalidConfigurationExitsWithStatus78() async throws {
        let directory = try TemporaryDirectory("chk")
        let file = try directory.write("bad.yaml", "daemon:\n  log_level: info\n  bogus: 1\n")
        let result = try await runTool(
            try Products.parleyd(), ["--config", file, "--state-dir", directory.file("state")], in: directory)
        #expect(result.status == .exited(78), "\(result)")
        #expect(result.stderr.contains("\(file):3:"), "\(result)")
        #expect(result.stderr.contains("daemon.bogus"), "\(result)")
        // Nothing was started: no control socket, no store.
        #expect(!FileManager.default.fileExists(atPath: directory.file("state/control.sock")))
        #expect(!FileManager.default.fileExists(atPath: directory.file("state/incidents.sqlite")))
    }

    @Test func checkConfigDoesNotStartTheDaemon() async throws {
        let directory = try TemporaryDirectory("chk")
        let file = try directory.write("ok.yaml", testConfiguration())
        let result = try await runTool(
            try Products.parleyd(), ["--config", file, "--state-dir", directory.file("state"), "--check-config"],
            in: directory)
        #expect(result.status == .exited(0), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("state/control.sock")))
    }
}
