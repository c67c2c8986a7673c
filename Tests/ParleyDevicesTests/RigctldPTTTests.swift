import Foundation
import ParleyDevices
import SystemPackage
import Testing

@Suite("rigctld PTT against hamlib's dummy rig", .serialized)
struct RigctldPTTTests {
    @Test func keysAndUnkeysTheRig() async throws {
        let rig = try await RigctldProcess()
        defer { rig.stop() }
        let ptt = try RigctldPTT(port: rig.port, logger: quietLogger)
        let observer = try RigctldPTT(port: rig.port, logger: quietLogger)  // a second client reads `t`
        #expect(try await observer.isKeyed() == false)
        try await ptt.key()
        #expect(try await observer.isKeyed() == true)
        try await ptt.unkey()
        #expect(try await observer.isKeyed() == false)
        try await ptt.key()
        try await ptt.releaseAll()
        #expect(try await observer.isKeyed() == false)
        try await ptt.key()
        await ptt.close()
        #expect(try await observer.isKeyed() == false, "close releases")
        await #expect(throws: DeviceError.self) { try await ptt.key() }
    }

    @Test func reconnectsAfterRigctldRestarts() async throws {
        let rig = try await RigctldProcess()
        let ptt = try RigctldPTT(port: rig.port, logger: quietLogger)
        try await ptt.key()
        rig.stop()
        // While it is down: a clear connect error, not a hang.
        let error = await #expect(throws: DeviceError.self) { try await ptt.unkey() }
        #expect(error?.errno == .connectionRefused)
        #expect(error?.description.contains("check rigctld is running") == true)
        let again = try await RigctldProcess(port: rig.port)
        defer { again.stop() }
        try await ptt.key()
        #expect(try await ptt.isKeyed() == true)
        try await ptt.unkey()
    }

    @Test func aStaleConnectionIsRetriedOnceOnAFreshOne() async throws {
        let fake = try FakeRigctld(replies: [.line("RPRT 0"), .close, .line("RPRT 0")])
        defer { fake.stop() }
        let ptt = try RigctldPTT(port: fake.port, logger: quietLogger)
        try await ptt.key()
        try await ptt.unkey()  // first attempt: connection dropped; retried on a new one
        #expect(fake.received == ["T 1", "T 0", "T 0"])
    }

    @Test(arguments: [(9, "command rejected by the rig"), (20, "rig is not powered on"), (5, "communication timed out")])
    func aRefusalCarriesHamlibsMeaning(code: Int, meaning: String) async throws {
        let fake = try FakeRigctld(replies: [.line("RPRT -\(code)")])
        defer { fake.stop() }
        let ptt = try RigctldPTT(port: fake.port, logger: quietLogger)
        let error = await #expect(throws: DeviceError.self) { try await ptt.key() }
        #expect(error?.hamlibError == code)
        #expect(error?.description.contains("RPRT -\(code) (\(meaning))") == true)
        try await ptt.unkey()  // the connection stays usable
    }

    @Test func noAnswerTimesOutAndTheNextCommandReconnects() async throws {
        let fake = try FakeRigctld(replies: [.silence, .line("RPRT 0")])
        defer { fake.stop() }
        let ptt = try RigctldPTT(port: fake.port, timeout: .milliseconds(200), logger: quietLogger)
        let started = ContinuousClock.now
        let error = await #expect(throws: DeviceError.self) { try await ptt.key() }
        let waited = started.duration(to: .now)
        #expect(error?.description.contains("did not answer `T 1`") == true)
        #expect(waited >= .milliseconds(190) && waited < .seconds(20), "timed out, did not hang")
        try await ptt.unkey()
        #expect(fake.received == ["T 1", "T 0"])
    }

    @Test func anUnexpectedAnswerIsAnError() async throws {
        let fake = try FakeRigctld(replies: [.line("145000000"), .line("RPRT 0")])
        defer { fake.stop() }
        let ptt = try RigctldPTT(port: fake.port, logger: quietLogger)
        let error = await #expect(throws: DeviceError.self) { try await ptt.key() }
        #expect(error?.description.contains("really rigctld") == true)
    }

    @Test func nobodyListeningIsAConnectError() async throws {
        let ptt = try RigctldPTT(port: try freeLoopbackPort(), logger: quietLogger)
        let error = await #expect(throws: DeviceError.self) { try await ptt.key() }
        #expect(error?.errno == .connectionRefused)
    }

    @Test func aPortOutOfRangeIsAConfigurationError() {
        let error = #expect(throws: DeviceError.self) { try RigctldPTT(port: 70000, logger: quietLogger) }
        #expect(error?.configurationKey == "ptt.port")
    }
}
