import Foundation
import ParleyCore
import ParleyDevices
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// parleyd keyed through its control socket, then killed with SIGKILL: what is left on the
/// line, and `parleyd --release-ptt` (the unit's ExecStopPost=) putting it right.
@Suite("PTT safety across kill -9", .serialized)
struct PTTSafetyTests {
    static func channelConfiguration(ptt: String) -> String {
        testConfiguration(extra: """
            channels:
              - id: south
                capture: { raw_file: silence.raw }
                ptt: \(ptt)
            """)
    }

    static func prepare(_ directory: TemporaryDirectory, ptt: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory.file("state"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: directory.file("state/silence.raw"), contents: Data(count: 64000))
        let config = directory.file("parley.yaml")
        try channelConfiguration(ptt: ptt).write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    static func key(_ daemon: DaemonProcess) async throws -> JSONValue {
        // The transmitter opens (and resets the line) as the channel starts: retry until it is up.
        let socket = daemon.socketPath
        return try await eventually("the channel to key", timeout: .seconds(30), every: .milliseconds(100)) { () throws -> JSONValue? in
            let connection = try ControlConnection(path: socket)
            defer { connection.close() }
            let reply = try connection.request("key", ["channel": "south"])
            return reply.at("result", "outcome") == "keyed" ? reply : nil
        }
    }

    static func releasePTT(config: String, directory: TemporaryDirectory, environment: [String: String] = [:]) async throws -> ToolResult {
        try await runTool(
            try Products.parleyd(), ["--config", config, "--state-dir", directory.file("state"), "--release-ptt"], in: directory,
            environment: environment)
    }

    @Test func aCM108KeyLeftByKillNineIsDroppedByReleasePTT() async throws {
        let directory = try TemporaryDirectory("ptt-safety")
        let hid = directory.file("state/ptt.hid")
        let config = try Self.prepare(directory, ptt: "{ type: cm108, hidraw: ptt.hid, gpio: 3 }")
        _ = FileManager.default.createFile(atPath: hid, contents: nil)
        let daemon = try DaemonProcess.start(in: directory, config: config)
        defer { daemon.kill() }
        try await daemon.waitUntilServing()
        _ = try await Self.key(daemon)
        let keyed = CM108PTT.report(gpio: .default, keyed: true)
        let released = CM108PTT.report(gpio: .default, keyed: false)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: hid)).suffix(5)) == keyed)

        daemon.kill()  // SIGKILL: nothing in parleyd runs after this
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: hid)).suffix(5)) == keyed, "a HID GPIO stays keyed when its owner dies")

        let reset = try await Self.releasePTT(config: config, directory: directory)
        #expect(reset.status == .exited(0), "\(reset)")
        #expect(reset.stdout.contains("south: PTT released (cm108"), "\(reset)")
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: hid)).suffix(5)) == released)
    }

    @Test func aSerialKeyLeftByKillNineIsDroppedByTheKernelsCloseAndByReleasePTT() async throws {
        let directory = try TemporaryDirectory("ptt-safety")
        let library = try TIOCMShim.build(in: directory.path)
        let log = directory.file("lines.log")
        let pty = try PseudoTerminal()
        defer { pty.close() }
        let config = try Self.prepare(directory, ptt: "{ type: serial, port: \(pty.slavePath), lines: [rts] }")
        let shim = ["LD_PRELOAD": library, TIOCMShim.logEnvironmentKey: log]
        let daemon = try DaemonProcess.start(in: directory, config: config, environment: shim)
        defer { daemon.kill() }
        try await daemon.waitUntilServing()
        _ = try await Self.key(daemon)
        func entries() -> [TIOCMShim.Entry] {
            TIOCMShim.parseLog((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").filter { $0.pty == pty.number }
        }
        let beforeKill = entries()
        #expect(beforeKill.last?.lines.contains(.rts) == true, "keyed: \(beforeKill)")
        // HUPCL is set: the kernel's last close of the port drops RTS/DTR on real hardware.
        var settings = termios()
        #expect(tcgetattr(pty.master.rawValue, &settings) == 0)
        #expect(settings.c_cflag & tcflag_t(HUPCL) != 0)

        daemon.kill()
        // The kernel closed the port for the dead process (the master sees the hang-up).
        var entry = pollfd(fd: pty.master.rawValue, events: Int16(POLLIN), revents: 0)
        #expect(poll(&entry, 1, 20_000) == 1 && entry.revents & Int16(POLLHUP) != 0)
        #expect(entries() == beforeKill, "no user-space release ran after SIGKILL")

        let reset = try await Self.releasePTT(config: config, directory: directory, environment: shim)
        #expect(reset.status == .exited(0), "\(reset)")
        #expect(entries().last?.lines.contains(.rts) == false, "released by --release-ptt: \(entries())")
    }

    @Test func sigtermWhileKeyedDropsTheLineAndStoresTheUnkey() async throws {
        let directory = try TemporaryDirectory("ptt-sigterm")
        let hid = directory.file("state/ptt.hid")
        let config = try Self.prepare(directory, ptt: "{ type: cm108, hidraw: ptt.hid, gpio: 3 }")
        _ = FileManager.default.createFile(atPath: hid, contents: nil)
        let daemon = try DaemonProcess.start(in: directory, config: config)
        defer { daemon.kill() }
        try await daemon.waitUntilServing()
        _ = try await Self.key(daemon)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: hid)).suffix(5)) == CM108PTT.report(gpio: .default, keyed: true))
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == .exited(0))
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: hid)).suffix(5)) == CM108PTT.report(gpio: .default, keyed: false))
        // The unkey was stored before the store closed.
        let unkeys = try await runTool(
            "/usr/bin/sqlite3", ["-readonly", daemon.storePath, "SELECT payload FROM events WHERE kind = 'radio.unkey'"], in: directory)
        #expect(unkeys.stdout.contains("\"reason\":\"shutdown\""), "\(unkeys)")
    }

    @Test func releasePTTReportsADeviceItCannotReachAndFails() async throws {
        let directory = try TemporaryDirectory("ptt-safety")
        let config = try Self.prepare(directory, ptt: "{ type: cm108, hidraw: /nonexistent/hidraw9 }")
        let reset = try await Self.releasePTT(config: config, directory: directory)
        #expect(reset.status == .exited(1))
        #expect(reset.stderr.contains("south: cannot release PTT on cm108 /nonexistent/hidraw9"), "\(reset)")
    }
}
