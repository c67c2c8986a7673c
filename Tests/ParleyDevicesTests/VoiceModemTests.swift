import Foundation
import Logging
import ParleyCore
import ParleyDevices
import Synchronization
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

private let dle: UInt8 = 0x10
private let etx: UInt8 = 0x03

/// A scripted voice modem on a pty's master side: it splits what the driver sends into
/// command lines, shielded codes and transmitted audio (unshielded), records them, and lets the
/// test's script answer.
final class FakeVoiceModem: Sendable {
    enum Heard: Sendable, Hashable {
        case command(String)
        case shielded(UInt8)
        /// Audio sent after `AT+VTX`, up to `<DLE><ETX>`, with `<DLE><DLE>` undone.
        case transmitted([UInt8])
    }

    typealias Script = @Sendable (Heard, FakeVoiceModem) -> Void

    private struct State {
        var heard: [Heard] = []
        var silent = false
        var stopped = false
    }

    let master: Int32
    private let script: Script
    private let state = Mutex(State())
    private let exited = Mutex(false)

    init(pty: PseudoTerminal, script: @escaping Script) {
        master = pty.master.rawValue
        self.script = script
        let thread = Thread { [self] in self.serve() }
        thread.name = "fake-voice-modem"
        thread.start()
    }

    /// Everything heard so far.
    var heard: [Heard] { state.withLock { $0.heard } }

    /// While silent the modem hears but does not answer.
    func setSilent(_ silent: Bool) { state.withLock { $0.silent = silent } }

    func stop() {
        state.withLock { $0.stopped = true }
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while !exited.withLock({ $0 }), ContinuousClock.now < deadline { usleep(10_000) }
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
            if written <= 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return
            }
            offset += written
        }
    }

    private func serve() {
        defer { exited.withLock { $0 = true } }
        var line: [UInt8] = []
        var audio: [UInt8]?  // non-nil while receiving transmitted audio
        var afterDLE = false
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !state.withLock({ $0.stopped }) {
            var entry = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 50) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
            guard count > 0 else {
                usleep(20_000)  // No slave open right now (the driver is reopening).
                continue
            }
            for byte in buffer[..<count] {
                if afterDLE {
                    afterDLE = false
                    if audio != nil, byte == dle {
                        audio?.append(dle)
                    } else if let transmitted = audio, byte == etx {
                        audio = nil
                        hear(.transmitted(transmitted))
                    } else {
                        hear(.shielded(byte))
                    }
                } else if byte == dle {
                    afterDLE = true
                } else if audio != nil {
                    audio?.append(byte)
                } else if byte == 0x0D {
                    let command = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    line = []
                    guard !command.isEmpty else { continue }
                    hear(.command(command))
                    if command == "AT+VTX" { audio = [] }
                } else if byte != 0x0A {
                    line.append(byte)
                }
            }
        }
    }

    private func hear(_ heard: Heard) {
        let silent = state.withLock { state -> Bool in
            state.heard.append(heard)
            return state.silent
        }
        if !silent { script(heard, self) }
    }

    /// Answers like a V.253 modem that accepts everything.
    static let obliging: Script = { heard, modem in
        switch heard {
        case .command("ATA"): modem.send("\r\nVCON\r\n")
        case .command("AT+VRX"), .command("AT+VTX"): modem.send("\r\nCONNECT\r\n")
        case .command: modem.send("\r\nOK\r\n")
        case .shielded(0x21): modem.send([dle, etx] + Array("\r\nOK\r\n".utf8))  // <DLE>! ends receive.
        case .shielded: break
        case .transmitted: modem.send("\r\nOK\r\n")
        }
    }
}

/// What a running line reported, for tests to wait on.
final class VoiceLineRecorder: Sendable {
    private let recorded = Mutex<(events: [VoiceModemEvent], samples: [Int16])>(([], []))

    var events: [VoiceModemEvent] { recorded.withLock { $0.events } }
    var samples: [Int16] { recorded.withLock { $0.samples } }

    func record(_ event: VoiceModemEvent) { recorded.withLock { $0.events.append(event) } }
    func record(_ samples: [Int16]) { recorded.withLock { $0.samples += samples } }

    /// Waits (up to a generous `timeout`: the machine is loaded) until `condition` holds.
    func wait(timeout: Duration = .seconds(45), _ condition: (VoiceLineRecorder) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(self)
    }

    func saw(_ event: VoiceModemEvent) -> Bool { events.contains(event) }
    func faults() -> [String] {
        events.compactMap { if case .fault(let text) = $0 { text } else { nil } }
    }
}

/// Runs a `VoiceModem` and records its streams until `stop()`.
struct RunningVoiceLine {
    let line: VoiceModem
    let recorder: VoiceLineRecorder
    let run: Task<Void, Never>
    let eventConsumer: Task<Void, Never>
    let audioConsumer: Task<Void, Never>

    init(path: String, configuration: VoiceModemConfiguration) {
        let line = VoiceModem(path: path, configuration: configuration, logger: quietLogger)
        let recorder = VoiceLineRecorder()
        self.line = line
        self.recorder = recorder
        run = Task { await line.run() }
        eventConsumer = Task { for await event in line.events { recorder.record(event) } }
        audioConsumer = Task { for await samples in line.audio { recorder.record(samples) } }
    }

    func stop() async {
        run.cancel()
        await run.value
        await eventConsumer.value
        await audioConsumer.value
    }
}

@Suite("Voice modem line over a pty with a scripted modem", .serialized)
struct VoiceModemTests {
    static let alice = CallerID(
        time: CallerID.NetworkTime(month: 3, day: 21, hour: 14, minute: 5), number: "01632960123", name: "ALICE SMITH")

    @Test func aCallIsAnsweredRecordedPlayedToAndHungUp() async throws {
        let pty = try PseudoTerminal()
        defer { pty.close() }
        // A ramp through every byte value twice (0x10 is shielded as DLE DLE on the wire), a DTMF
        // 5 in the middle. Hand-computed samples for 8-bit unsigned linear: (byte − 128) × 256.
        let ramp = (0..<512).map { UInt8($0 % 256) }
        let expectedSamples = ramp.map { Int16((Int($0) - 128) * 256) }
        let wire = VoiceModemShielding.encode(ramp[..<300]) + [dle, UInt8(ascii: "5")] + VoiceModemShielding.encode(ramp[300...])
        let fake = FakeVoiceModem(pty: pty) { heard, modem in
            if heard == .command("AT+VRX"), !modem.heard.dropLast().contains(.command("AT+VRX")) {
                modem.send(Array("\r\nCONNECT\r\n".utf8) + wire)  // The first receive carries the audio.
            } else {
                FakeVoiceModem.obliging(heard, modem)
            }
        }
        defer { fake.stop() }
        let configuration = VoiceModemConfiguration(
            lineID: "test-1", countryCode: "B4", responseTimeout: .seconds(60), idleProbeInterval: nil)
        let running = RunningVoiceLine(path: pty.slavePath, configuration: configuration)
        let recorder = running.recorder

        #expect(await recorder.wait { $0.saw(.ready) })
        fake.send("\r\nRING\r\n\r\nDATE = 0321\r\nTIME = 1405\r\nNMBR = 01632960123\r\nNAME = ALICE SMITH\r\n\r\nRING\r\n")
        #expect(await recorder.wait { $0.saw(.ringing(count: 2, callerID: Self.alice)) })
        running.line.answer()
        #expect(await recorder.wait { $0.samples.count >= expectedSamples.count && $0.saw(.dtmf("5")) })
        #expect(recorder.samples == expectedSamples)

        // Play a ramp back: the fake undoes the shielding and must get every byte value.
        let playback = (0..<256).map { Int16(($0 - 128) * 256) }
        running.line.transmit(playback)
        #expect(await recorder.wait { $0.saw(.transmitFinished) })
        #expect(fake.heard.contains(.transmitted((0..<256).map { UInt8($0) })))

        running.line.hangUp()
        #expect(await recorder.wait { $0.saw(.hungUp) })
        await running.stop()

        #expect(recorder.events.filter { if case .malformed = $0 { false } else { true } } == [
            .ready, .ringing(count: 1, callerID: nil), .callerID(Self.alice), .ringing(count: 2, callerID: Self.alice),
            .answered, .dtmf("5"), .transmitFinished, .hungUp,
        ])
        #expect(fake.heard == [
            .command("ATZ"), .command("ATE0"), .command("AT+FCLASS=8"), .command("AT+VCID=1"), .command("AT+GCI=B4"),
            .command("AT+VSM=1,8000"), .command("ATA"), .command("AT+VRX"), .shielded(0x21), .command("AT+VTX"),
            .transmitted((0..<256).map { UInt8($0) }), .command("AT+VRX"), .shielded(0x21), .command("ATH"),
        ])
    }

    @Test func aModemThatStopsAnsweringIsResetAndRecovers() async throws {
        let pty = try PseudoTerminal()
        defer { pty.close() }
        let fake = FakeVoiceModem(pty: pty, script: FakeVoiceModem.obliging)
        defer { fake.stop() }
        let configuration = VoiceModemConfiguration(
            lineID: "test-2", responseTimeout: .seconds(3), idleProbeInterval: .milliseconds(500))
        let running = RunningVoiceLine(path: pty.slavePath, configuration: configuration)
        let recorder = running.recorder

        #expect(await recorder.wait { $0.saw(.ready) })
        fake.setSilent(true)
        let silencedAt = fake.heard.count
        #expect(await recorder.wait { $0.faults().contains { $0.contains("stopped answering") } })
        #expect(await recorder.wait { _ in fake.heard.dropFirst(silencedAt).contains(.command("ATZ")) }, "the driver resets it")
        fake.setSilent(false)
        #expect(await recorder.wait { $0.saw(.recovered) })
        await running.stop()

        let events = recorder.events
        let firstFault = events.firstIndex { if case .fault = $0 { true } else { false } }
        let recovered = events.firstIndex(of: .recovered)
        #expect(firstFault != nil && recovered != nil && firstFault! < recovered!)
        #expect(events.prefix(while: { $0 != .recovered }).filter { if case .fault = $0 { true } else { false } }.count == 1)
    }

    @Test func aDeviceThatVanishesAndReturnsGivesOneFaultThenRecovers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let link = directory.file("modem")
        let first = try PseudoTerminal()
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: first.slavePath)
        let firstFake = FakeVoiceModem(pty: first, script: FakeVoiceModem.obliging)
        let configuration = VoiceModemConfiguration(lineID: "test-3", responseTimeout: .seconds(30))
        let running = RunningVoiceLine(path: link, configuration: configuration)
        let recorder = running.recorder

        #expect(await recorder.wait { $0.saw(.ready) })
        // Unplug: the far side closes and the device node goes.
        firstFake.stop()
        first.close()
        #expect(await recorder.wait { !$0.faults().isEmpty })
        try await Task.sleep(for: .milliseconds(2500))  // Several reopen attempts fail meanwhile.

        // Plug back in under the same path.
        let second = try PseudoTerminal()
        defer { second.close() }
        let secondFake = FakeVoiceModem(pty: second, script: FakeVoiceModem.obliging)
        defer { secondFake.stop() }
        try FileManager.default.removeItem(atPath: link)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: second.slavePath)
        #expect(await recorder.wait { $0.saw(.recovered) })
        await running.stop()

        #expect(recorder.faults().count == 1, "one fault per outage, not one per retry: \(recorder.faults())")
        #expect(recorder.events.filter { $0 == .ready || $0 == .recovered } == [.ready, .recovered])
        #expect(secondFake.heard.prefix(2) == [.command("ATZ"), .command("ATE0")])
    }

    @Test func anInvalidConfigurationIsReportedAndRunReturns() async {
        let line = VoiceModem(
            path: "/dev/null", configuration: VoiceModemConfiguration(lineID: "bad", countryCode: "United Kingdom"),
            logger: quietLogger)
        await line.run()
        var events: [VoiceModemEvent] = []
        for await event in line.events { events.append(event) }
        #expect(events.count == 1)
        if case .fault(let text)? = events.first { #expect(text.contains("country_code")) } else { Issue.record("no fault") }
    }
}
