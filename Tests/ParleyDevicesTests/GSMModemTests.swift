import Dispatch
import Foundation
import ParleyDevices
import Synchronization
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A scripted GSM modem on the master side of a pty: answers the set-up with OK, `AT+CMGR=3`
/// with the classic PDU, `AT+CMGD` with OK, and `AT+CMGS` with the prompt, then (after Ctrl-Z)
/// `+CMGS: 77`. Records every command line and every PDU it was sent.
final class FakeGSMModem: Sendable {
    private struct State {
        var commands: [String] = []
        var pdus: [String] = []
        var outgoing: [UInt8] = []
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
    var pdus: [String] { state.withLock { $0.pdus } }

    /// Sends an unsolicited line (`+CMTI: "SM",3`).
    func unsolicited(_ line: String) { state.withLock { $0.outgoing += Array("\r\n\(line)\r\n".utf8) } }

    /// Stops the thread and waits for it (before the pty is closed).
    func stop() {
        state.withLock { $0.stopped = true }
        exited.wait()
    }

    private func serve() {
        var line: [UInt8] = []
        var inPDU = false
        while !state.withLock({ $0.stopped }) {
            let pending = state.withLock { state in
                defer { state.outgoing = [] }
                return state.outgoing
            }
            if !pending.isEmpty { write(pending) }
            var entry = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 20) > 0 else { continue }
            var byte: UInt8 = 0
            guard Glibc.read(master, &byte, 1) == 1 else { continue }
            if inPDU {
                if byte == 0x1A {
                    inPDU = false
                    let pdu = String(decoding: line, as: UTF8.self)
                    line = []
                    state.withLock { $0.pdus.append(pdu) }
                    write(Array("\r\n+CMGS: 77\r\n\r\nOK\r\n".utf8))
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
            switch command {
            case "AT+CMGR=3":
                write(Array("\r\n+CMGR: 0,,30\r\n\(ModemPDU.classic)\r\n\r\nOK\r\n".utf8))
            case _ where command.hasPrefix("AT+CMGS="):
                inPDU = true
                write(Array("\r\n> ".utf8))
            case _ where Self.answeredOK.contains(command) || command.hasPrefix("AT+CMGD="):
                write(Array("\r\nOK\r\n".utf8))
            default:
                write(Array("\r\nERROR\r\n".utf8))
            }
        }
    }

    private static let answeredOK: Set = ["ATZ", "ATE0", "AT+CMEE=1", "AT+CMGF=0", "AT+CNMI=2,1,0,1,0", "AT+CMGL=4"]

    private func write(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
    }
}

/// Collects a modem's events as they arrive.
final class GSMEventLog: Sendable {
    private let events = Mutex<[GSMModemEvent]>([])
    private let finished = Mutex(false)

    func consume(_ stream: AsyncStream<GSMModemEvent>) -> Task<Void, Never> {
        Task {
            for await event in stream { self.events.withLock { $0.append(event) } }
            self.finished.withLock { $0 = true }
        }
    }

    var all: [GSMModemEvent] { events.withLock { $0 } }
    var isFinished: Bool { finished.withLock { $0 } }

    /// Waits (generously: the machine is loaded) until `condition` holds; false if it never did.
    func wait(timeout: Duration = .seconds(30), until condition: ([GSMModemEvent]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if condition(all) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(all)
    }
}

/// Waits until `condition` holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

@Suite("GSM modem adapter (pty)")
struct GSMModemTests {
    @Test func readsAMessageDeletesItOnlyAfterTheCommitAndSendsAReply() async throws {
        let pty = try PseudoTerminal()
        let fake = FakeGSMModem(master: pty.master.rawValue)
        defer {
            fake.stop()
            pty.close()
        }
        let modem = GSMModem(path: pty.slavePath, configuration: GSMModemConfiguration(lineID: "sms-test"), logger: quietLogger)
        let log = GSMEventLog()
        let consumer = log.consume(modem.events)
        let run = Task { await modem.run() }

        #expect(await log.wait { $0.contains(.ready) })
        #expect(fake.commands == ["ATE0", "AT+CMEE=1", "AT+CMGF=0", "AT+CNMI=2,1,0,1,0", "AT+CMGL=4"])
        fake.unsolicited("+CMTI: \"SM\",3")
        #expect(await log.wait { $0.contains(where: { if case .received = $0 { true } else { false } }) })
        let sms = log.all.compactMap { event -> ReceivedSMS? in if case .received(let sms) = event { sms } else { nil } }.first
        #expect(sms?.index == 3 && sms?.deliver.text == "Hello World!" && sms?.identity == ModemPDU.classicIdentity)

        // A quiet moment: the driver must not delete before the commit.
        try await Task.sleep(for: .milliseconds(300))
        #expect(!fake.commands.contains("AT+CMGD=3"))
        modem.committed(index: 3)
        #expect(await eventually { fake.commands.contains("AT+CMGD=3") })
        #expect(fake.commands.last == "AT+CMGD=3")

        modem.send(to: "+46708251358", text: "hellohello", requestID: 5)
        #expect(await log.wait { $0.contains(.sent(reference: 77, parts: 1, requestID: 5)) })
        #expect(fake.pdus == [ModemPDU.hellohelloSubmit])

        run.cancel()
        await run.value
        await consumer.value
        #expect(log.isFinished, "events finishes when run() returns")
        #expect(!log.all.contains { if case .fault = $0 { true } else { false } })
    }

    @Test func aDeviceThatVanishesAndComesBackIsOneFaultThenRecovered() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let link = directory.file("modem")
        let first = try PseudoTerminal()
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: first.slavePath)
        let firstFake = FakeGSMModem(master: first.master.rawValue)
        let configuration = GSMModemConfiguration(lineID: "sms-vanish", reopenDelay: .milliseconds(50))
        let modem = GSMModem(path: link, configuration: configuration, logger: quietLogger)
        let log = GSMEventLog()
        let consumer = log.consume(modem.events)
        let run = Task { await modem.run() }
        #expect(await log.wait { $0.contains(.ready) })

        // Unplugged: the pty goes away and the link points nowhere for a while (many retries).
        firstFake.stop()
        first.close()
        try FileManager.default.removeItem(atPath: link)
        #expect(await log.wait { $0.contains { if case .fault = $0 { true } else { false } } })
        try await Task.sleep(for: .milliseconds(500))
        #expect(log.all.filter { if case .fault = $0 { true } else { false } }.count == 1, "one fault, not one per retry")

        // Plugged back in.
        let second = try PseudoTerminal()
        let secondFake = FakeGSMModem(master: second.master.rawValue)
        defer {
            secondFake.stop()
            second.close()
        }
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: second.slavePath)
        #expect(await log.wait { $0.contains(.recovered) && $0.filter { $0 == .ready }.count == 2 })
        let states = log.all.filter { event in
            switch event {
            case .ready, .recovered, .fault: true
            default: false
            }
        }
        #expect(states.count == 4 && states.last == .ready && states[2] == .recovered)
        #expect(secondFake.commands.prefix(2) == ["ATE0", "AT+CMEE=1"])

        run.cancel()
        await run.value
        await consumer.value
    }

    @Test func cancellingBeforeTheDeviceExistsEndsPromptly() async {
        let modem = GSMModem(path: "/dev/parley-no-such-modem", configuration: GSMModemConfiguration(lineID: "none"), logger: quietLogger)
        let log = GSMEventLog()
        let consumer = log.consume(modem.events)
        let run = Task { await modem.run() }
        #expect(await log.wait { !$0.isEmpty })
        guard case .fault(let reason)? = log.all.first else {
            Issue.record("a missing device is a fault")
            return
        }
        #expect(reason.contains("/dev/parley-no-such-modem"))
        run.cancel()
        await run.value
        await consumer.value
        #expect(log.all.count == 1)
    }
}
