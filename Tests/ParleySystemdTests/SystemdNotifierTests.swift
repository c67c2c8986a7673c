#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import ParleySystemd
import ParleyTestSupport
import Testing

struct SystemdNotifierTests {
    private let logs = LogCapture()

    @Test(arguments: NotifyListener.Kind.allCases)
    func readySendsReadyAlone(kind: NotifyListener.Kind) async throws {
        let listener = try NotifyListener(kind)
        let notifier = SystemdNotifier(environment: listener.environment, logger: logs.logger())
        #expect(notifier.isEnabled)
        #expect(notifier.ready())
        #expect(try listener.drain() == ["READY=1"])
    }

    @Test(arguments: NotifyListener.Kind.allCases)
    func readyWithStatusSendsBothInOneDatagram(kind: NotifyListener.Kind) async throws {
        let listener = try NotifyListener(kind)
        let notifier = SystemdNotifier(environment: listener.environment, logger: logs.logger())
        #expect(notifier.ready(status: "3 channels, 2 lines"))
        #expect(try listener.drain() == ["READY=1\nSTATUS=3 channels, 2 lines"])
    }

    @Test(arguments: NotifyListener.Kind.allCases)
    func stoppingWatchdogAndStatusSendOneDatagramEach(kind: NotifyListener.Kind) async throws {
        let listener = try NotifyListener(kind)
        let notifier = SystemdNotifier(environment: listener.environment, logger: logs.logger())
        #expect(notifier.status("opening store"))
        #expect(notifier.watchdog())
        #expect(notifier.stopping())
        #expect(try listener.drain() == ["STATUS=opening store", "WATCHDOG=1", "STOPPING=1"])
    }

    @Test(arguments: NotifyListener.Kind.allCases)
    func reloadingCarriesTheMonotonicClockInMicroseconds(kind: NotifyListener.Kind) async throws {
        let listener = try NotifyListener(kind)
        let notifier = SystemdNotifier(environment: listener.environment, logger: logs.logger())
        let before = Self.monotonicMicroseconds()
        #expect(notifier.reloading())
        let after = Self.monotonicMicroseconds()
        let messages = try listener.drain()
        try #require(messages.count == 1)
        let lines = messages[0].split(separator: "\n", omittingEmptySubsequences: false)
        try #require(lines.count == 2)
        #expect(lines[0] == "RELOADING=1")
        #expect(lines[1].hasPrefix("MONOTONIC_USEC="))
        let usec = try #require(UInt64(lines[1].dropFirst("MONOTONIC_USEC=".count)))
        #expect(before <= usec && usec <= after)
    }

    @Test func absentNotifySocketMakesEveryCallANoOp() async throws {
        let listener = try NotifyListener(.filesystem)  // exists, but nobody tells the notifier
        let notifier = SystemdNotifier(environment: ["HOME": "/root"], logger: logs.logger())
        #expect(!notifier.isEnabled)
        #expect(notifier.address == nil)
        #expect(!notifier.ready(status: "x"))
        #expect(!notifier.stopping())
        #expect(!notifier.reloading())
        #expect(!notifier.watchdog())
        #expect(!notifier.status("x"))
        #expect(try notifier.send(.ready) == false)
        #expect(try listener.drain().isEmpty)
        #expect(logs.records.allSatisfy { $0.level <= .debug })
    }

    @Test func unusableNotifySocketDisablesNotificationsAndSaysSoOnce() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "vsock:2:1234"], logger: logs.logger())
        #expect(!notifier.isEnabled)
        #expect(!notifier.ready())
        let infos = logs.records.filter { $0.level == .info }
        #expect(infos.count == 1)
        #expect(infos.first?.metadata["systemd.notify_socket"] == "vsock:2:1234")
    }

    @Test func sendFailureIsLoggedNotFatal() throws {
        let listener = try NotifyListener(.filesystem)
        let missing = listener.notifySocket + ".gone"
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": missing], logger: logs.logger())
        #expect(notifier.isEnabled)
        #expect(!notifier.watchdog())
        let failure = try #require(logs.records.first { $0.message == "systemd notification failed" })
        #expect(failure.level == .info)
        #expect(failure.metadata["systemd.message"] == "WATCHDOG=1")
        #expect(failure.metadata["systemd.notify_socket"] == "\(missing)")
        do {
            try notifier.send(.watchdog)
            Issue.record("sending to a missing socket succeeded")
        } catch {
            #expect(error.rawValue == ENOENT)
        }
    }

    @Test func sendToAnAbstractNameNobodyHoldsThrowsConnectionRefused() {
        let name = "@parley-sd-test-unbound-\(getpid())-\(UInt64.random(in: 0 ... .max))"
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": name], logger: logs.logger())
        do {
            try notifier.send(.ready)
            Issue.record("sending to an unbound abstract name succeeded")
        } catch {
            #expect(error.rawValue == ECONNREFUSED)
        }
    }

    private static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        _ = clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
