import Dispatch
import Foundation
import ParleyDevices
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A scripted TETRA terminal on the master side of a pty: OK to everything, `+CTCC` and a
/// grant after `ATD`, a grant after `AT+CTXD`, `+CMGS` after short data. Records every command
/// line and every short data payload; can be told to go silent.
final class FakePEITerminal: Sendable {
    private struct State {
        var commands: [String] = []
        var shortData: [String] = []
        var outgoing: [UInt8] = []
        var silent = false
        var stopped = false
    }

    private let master: Int32
    private let state = Mutex(State())
    private let exited = DispatchSemaphore(value: 0)

    init(master: Int32) {
        self.master = master
        let thread = Thread { [self] in
            self.serve()
            self.exited.signal()
        }
        thread.start()
    }

    var commands: [String] { state.withLock { $0.commands } }
    var shortData: [String] { state.withLock { $0.shortData } }

    func unsolicited(_ text: String) { state.withLock { $0.outgoing += Array(text.utf8) } }
    func setSilent(_ silent: Bool) { state.withLock { $0.silent = silent } }

    func stop() {
        state.withLock { $0.stopped = true }
        exited.wait()
    }

    private func serve() {
        var line: [UInt8] = []
        var inData = false
        while !state.withLock({ $0.stopped }) {
            let pending = state.withLock { state in
                defer { state.outgoing = [] }
                return state.outgoing
            }
            if !pending.isEmpty { write(pending) }
            var entry = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 10) > 0 else { continue }
            var byte: UInt8 = 0
            guard Glibc.read(master, &byte, 1) == 1 else { continue }
            if inData {
                if byte == 0x1A {
                    inData = false
                    let data = String(decoding: line, as: UTF8.self)
                    line = []
                    state.withLock { $0.shortData.append(data) }
                    answer("\r\n+CMGS: 1\r\n\r\nOK\r\n")
                } else {
                    line.append(byte)
                }
                continue
            }
            guard byte == 0x0D else {
                line.append(byte)
                continue
            }
            let command = String(decoding: line, as: UTF8.self)
            line = []
            state.withLock { $0.commands.append(command) }
            if command.hasPrefix("ATD") {
                answer("\r\nOK\r\n\r\n+CTCC: 7,1,1,0,0,1,1\r\n\r\n+CTXG: 7,0,0,0\r\n")
            } else if command.hasPrefix("AT+CTXD=") {
                answer("\r\nOK\r\n\r\n+CTXG: 7,0,0,0\r\n")
            } else if command.hasPrefix("AT+CMGS=") {
                inData = true
            } else {
                answer("\r\nOK\r\n")
            }
        }
    }

    private func answer(_ text: String) {
        guard !state.withLock({ $0.silent }) else { return }
        write(Array(text.utf8))
    }

    private func write(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
    }
}

/// Collects a terminal's events as they arrive.
final class PEIEventLog: Sendable {
    private let events = Mutex<[PEIEvent]>([])

    func consume(_ stream: AsyncStream<PEIEvent>) -> Task<Void, Never> {
        Task { for await event in stream { self.events.withLock { $0.append(event) } } }
    }

    var all: [PEIEvent] { events.withLock { $0 } }

    func count(_ predicate: (PEIEvent) -> Bool) -> Int { all.filter(predicate).count }

    func wait(timeout: Duration = .seconds(30), until condition: ([PEIEvent]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if condition(all) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(all)
    }
}

func isFault(_ event: PEIEvent) -> Bool { if case .fault = event { true } else { false } }

@Suite("TETRA PEI terminal adapter (pty)")
struct PEITerminalTests {
    static func configuration(_ id: String, responseTimeout: Duration = .seconds(5), keepAlive: Duration = .seconds(30)) -> PEIConfiguration {
        PEIConfiguration(channelID: id, gssi: 1001, initialisation: ["ATZ", "ATE0", "AT+CTGS=1,1001"],
                         responseTimeout: responseTimeout, keepAliveInterval: keepAlive, reopenDelay: .milliseconds(50))
    }

    @Test func keysUnkeysReceivesAndSendsOverAPty() async throws {
        let pty = try PseudoTerminal()
        let fake = FakePEITerminal(master: pty.master.rawValue)
        defer {
            fake.stop()
            pty.close()
        }
        let terminal = PEITerminal(path: pty.slavePath, configuration: Self.configuration("tetra-test"), logger: quietLogger)
        let ptt = TetraPEIPTT(terminal: terminal)
        let log = PEIEventLog()
        let consumer = log.consume(terminal.events)
        let run = Task { await terminal.run() }

        #expect(await log.wait { $0.contains(.ready) })
        #expect(fake.commands == ["ATZ", "ATE0", "AT+CTGS=1,1001"])
        #expect(ptt.type == .tetraPEI)

        // Another unit talks.
        fake.unsolicited("\r\n+CTXG: 7,3,0,0,0,2001\r\n")
        #expect(await log.wait { $0.contains(.squelchOpened(callInstance: 7, talker: TETRAIdentity(ssi: 2001), emergency: false)) })
        #expect(terminal.squelch != nil)
        #expect(terminal.squelch?.talker == TETRAIdentity(ssi: 2001))
        fake.unsolicited("\r\n+CDTXC: 7,0\r\n")
        #expect(await eventually { terminal.squelch == nil })

        // Key and unkey through the PTT driver.
        try await ptt.key()
        #expect(await log.wait { $0.contains(.transmitGranted(callInstance: 7)) })
        #expect(terminal.isKeyed)
        #expect(fake.commands.last == "AT+CTXD=7,1", "the call is up (from +CTXG): key on it")
        try await ptt.unkey()
        #expect(await log.wait { $0.contains(.unkeyed(reason: nil)) })
        #expect(fake.commands.last == "AT+CUTXC=7")
        #expect(!terminal.isKeyed)

        // Short data both ways.
        fake.unsolicited("\r\n+CTSDSR: 13,2002,0,9999,0,16\r\n0000\r\n")
        #expect(await log.wait { $0.contains { $0.isEmergency } })
        terminal.sendText("Received", to: 2002, requestID: 4)
        #expect(await log.wait { $0.contains(.shortDataSent(requestID: 4)) })
        let sent = try #require(fake.shortData.last)
        let decoded = try SDSPDU.decode(aiService: SDSPDU.sdsType4Service, bits: sent.count * 4, hex: sent)
        guard case .text(let text) = decoded else {
            Issue.record("expected a text, got \(decoded)")
            return
        }
        #expect(text.text == "Received" && text.coding == .latin1)
        #expect(fake.commands.suffix(2) == ["AT+CTSDS=12,0,0,0,0", "AT+CMGS=2002,96"])

        // Garbage is counted and survived.
        fake.unsolicited("\r\n\u{01}\u{02}\r\n+CXYZ: 1\r\n")
        #expect(await eventually { terminal.counters.badInput == 2 })

        run.cancel()
        await run.value
        await consumer.value
        #expect(!log.all.contains(where: isFault))
    }

    @Test func theTerminalReleasesPTTWhenTheRunEnds() async throws {
        let pty = try PseudoTerminal()
        let fake = FakePEITerminal(master: pty.master.rawValue)
        defer {
            fake.stop()
            pty.close()
        }
        let terminal = PEITerminal(path: pty.slavePath, configuration: Self.configuration("tetra-stop"), logger: quietLogger)
        let log = PEIEventLog()
        let consumer = log.consume(terminal.events)
        let run = Task { await terminal.run() }
        #expect(await log.wait { $0.contains(.ready) })
        terminal.key(priority: .emergency)
        #expect(await log.wait { $0.contains(.transmitGranted(callInstance: 7)) })
        #expect(fake.commands.suffix(2) == ["AT+CTSDC=0,0,0,1,1,0,1,1,1,15", "ATD1001"])
        run.cancel()
        await run.value
        await consumer.value
        #expect(fake.commands.last == "AT+CUTXC=7")
        #expect(log.all.last == .unkeyed(reason: nil))
    }

    @Test func aSilentTerminalDropsPTTIsReinitialisedAndRecovers() async throws {
        let pty = try PseudoTerminal()
        let fake = FakePEITerminal(master: pty.master.rawValue)
        defer {
            fake.stop()
            pty.close()
        }
        let configuration = Self.configuration("tetra-silent", responseTimeout: .milliseconds(300), keepAlive: .milliseconds(200))
        let terminal = PEITerminal(path: pty.slavePath, configuration: configuration, logger: quietLogger)
        let log = PEIEventLog()
        let consumer = log.consume(terminal.events)
        let run = Task { await terminal.run() }
        #expect(await log.wait { $0.contains(.ready) })
        terminal.key()
        #expect(await log.wait { $0.contains(.transmitGranted(callInstance: 7)) })

        fake.setSilent(true)
        #expect(await log.wait { $0.contains(where: isFault) })
        #expect(log.all.contains { if case .unkeyed(let reason?) = $0 { reason.contains("did not answer") } else { false } })
        #expect(!terminal.isKeyed)
        try await Task.sleep(for: .seconds(1))
        #expect(log.count(isFault) == 1, "one fault however many retries")

        fake.setSilent(false)
        #expect(await log.wait { $0.contains(.recovered) && $0.filter { $0 == .ready }.count == 2 })
        #expect(log.count(isFault) == 1)
        #expect(terminal.counters.timeouts >= 2)

        run.cancel()
        await run.value
        await consumer.value
    }

    @Test func aDeviceThatVanishesWhileKeyedReportsUnkeyedThenRecovers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let link = directory.file("tetra")
        let first = try PseudoTerminal()
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: first.slavePath)
        let firstFake = FakePEITerminal(master: first.master.rawValue)
        let terminal = PEITerminal(path: link, configuration: Self.configuration("tetra-vanish"), logger: quietLogger)
        let log = PEIEventLog()
        let consumer = log.consume(terminal.events)
        let run = Task { await terminal.run() }
        #expect(await log.wait { $0.contains(.ready) })
        terminal.key()
        #expect(await log.wait { $0.contains(.transmitGranted(callInstance: 7)) })

        firstFake.stop()
        first.close()
        try FileManager.default.removeItem(atPath: link)
        #expect(await log.wait { $0.contains(where: isFault) })
        #expect(log.all.contains { if case .unkeyed(_?) = $0 { true } else { false } })
        #expect(!terminal.isKeyed && !terminal.isReady)
        try await Task.sleep(for: .milliseconds(500))
        #expect(log.count(isFault) == 1)
        await #expect(throws: DeviceError.self) { try await TetraPEIPTT(terminal: terminal).key() }

        let second = try PseudoTerminal()
        let secondFake = FakePEITerminal(master: second.master.rawValue)
        defer {
            secondFake.stop()
            second.close()
        }
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: second.slavePath)
        #expect(await log.wait { $0.contains(.recovered) && $0.filter { $0 == .ready }.count == 2 })
        #expect(secondFake.commands.prefix(3) == ["ATZ", "ATE0", "AT+CTGS=1,1001"])

        run.cancel()
        await run.value
        await consumer.value
    }

    @Test func againstParleySimTetra() async throws {
        let binary = parleySimBinary
        try #require(FileManager.default.isExecutableFile(atPath: binary), "parley-sim is not built at \(binary)")
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let link = directory.file("tetra")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["tetra", "--link", link, "--gssi", "1001", "--issi", "9999", "--talker", "2001", "--talk-seconds", "0.5",
                             "--status", "2002:0x8002", "--text", "2003:On scene", "--emergency", "2004",
                             "--delay", "0.3", "--gap", "0.8", "--hang-time", "1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGTERM)
                process.waitUntilExit()
            }
        }
        #expect(await eventually { FileManager.default.fileExists(atPath: link) })

        let terminal = PEITerminal(path: link, configuration: PEIConfiguration(channelID: "tetra-sim", gssi: 1001), logger: quietLogger)
        let log = PEIEventLog()
        let consumer = log.consume(terminal.events)
        let run = Task { await terminal.run() }
        #expect(await log.wait { $0.contains(.ready) })
        #expect(await log.wait { events in
            events.contains { if case .squelchOpened(_, TETRAIdentity(ssi: 2001)?, false) = $0 { true } else { false } }
                && events.contains { if case .squelchClosed = $0 { true } else { false } }
        })
        #expect(await log.wait { $0.contains { if case .shortData(let data) = $0 { data.message == .status(0x8002) } else { false } } })
        #expect(await log.wait { events in
            events.contains {
                if case .shortData(let data) = $0, case .text(let text) = data.message { text.text == "On scene" } else { false }
            }
        })
        #expect(await log.wait { events in
            events.contains { if case .incomingCall(let call) = $0 { call.isEmergency && call.calling?.ssi == 2004 } else { false } }
                && events.contains { if case .shortData(let data) = $0 { data.isEmergency } else { false } }
                && events.contains { if case .squelchOpened(_, _, true) = $0 { true } else { false } }
        })
        // Key and unkey against the simulated terminal (a new call once the old one is released).
        #expect(await log.wait { $0.contains { if case .callReleased = $0 { true } else { false } } })
        terminal.key()
        #expect(await log.wait { $0.contains { if case .transmitGranted = $0 { true } else { false } } })
        terminal.unkey()
        #expect(await log.wait { $0.contains(.unkeyed(reason: nil)) })
        terminal.sendStatus(0x8001, to: 2002, requestID: 1)
        #expect(await log.wait { $0.contains(.shortDataSent(requestID: 1)) })
        #expect(terminal.counters.badInput == 0)
        #expect(!log.all.contains(where: isFault))

        run.cancel()
        await run.value
        await consumer.value
    }
}

/// The built `parley-sim` beside the test bundle.
var parleySimBinary: String {
    (parleyBenchBinary as NSString).deletingLastPathComponent + "/parley-sim"
}
