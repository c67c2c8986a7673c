#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import ParleySystemd
import ParleyTestSupport
import Synchronization
import Testing

struct WatchdogConfigurationTests {
    @Test func watchdogUsecSetsTheTimeoutAndPingsGoAtHalfOfIt() throws {
        let configuration = try WatchdogConfiguration.from(environment: ["WATCHDOG_USEC": "30000000"]).get()
        #expect(configuration.timeout == .seconds(30))
        #expect(configuration.pingInterval == .seconds(15))
    }

    @Test func watchdogPidMatchingOurProcessEnablesIt() throws {
        let environment = ["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "\(getpid())"]
        let configuration = try WatchdogConfiguration.from(environment: environment).get()
        #expect(configuration.pingInterval == .milliseconds(500))
    }

    @Test(arguments: [
        ([:], WatchdogConfiguration.Disabled.notConfigured),
        (["WATCHDOG_USEC": "0"], .invalidTimeout("0")),
        (["WATCHDOG_USEC": "30s"], .invalidTimeout("30s")),
        (["WATCHDOG_USEC": "-5"], .invalidTimeout("-5")),
        (["WATCHDOG_USEC": "1000", "WATCHDOG_PID": "abc"], .invalidPID("abc")),
        (["WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"], .otherProcess(pid: 1)),
    ])
    func environmentsThatDoNotEnableTheWatchdog(environment: [String: String], reason: WatchdogConfiguration.Disabled) {
        #expect(throws: reason) { try WatchdogConfiguration.from(environment: environment, pid: 4242).get() }
    }
}

struct WatchdogServiceTests {
    private let logs = LogCapture()

    @Test func pingsAtOnceThenEveryHalfTimeoutOnTheInjectedClock() async throws {
        let listener = try NotifyListener(.filesystem)
        let clock = ManualClock()
        let service = WatchdogService(
            notifier: SystemdNotifier(environment: listener.environment, logger: logs.logger()),
            environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"],
            clock: clock,
            logger: logs.logger()
        )
        #expect(service.pingInterval == .seconds(15))
        var sleeps = clock.sleeps.makeAsyncIterator()
        let task = Task { try await service.run() }

        var deadline = try #require(await sleeps.next())
        #expect(deadline == ManualClock.Instant(offset: .seconds(15)))
        #expect(try listener.drain() == ["WATCHDOG=1"])
        for tick in 2 ... 5 {
            clock.advance(to: deadline)
            deadline = try #require(await sleeps.next())
            #expect(deadline == ManualClock.Instant(offset: .seconds(15 * tick)))
            #expect(try listener.drain() == ["WATCHDOG=1"])
        }

        task.cancel()
        try await task.value
        #expect(try listener.drain().isEmpty)
    }

    @Test func pingsWithTheRealClockWhenTheIntervalIsShort() async throws {
        let listener = try NotifyListener(.abstract)
        let service = WatchdogService(
            notifier: SystemdNotifier(environment: listener.environment, logger: logs.logger()),
            environment: ["WATCHDOG_USEC": "20000"],  // 20 ms: pings every 10 ms
            logger: logs.logger()
        )
        let task = Task { try await service.run() }
        for _ in 1 ... 5 {
            #expect(try await listener.next() == "WATCHDOG=1")
        }
        task.cancel()
        try await task.value
    }

    @Test func failingHealthCheckWithholdsPings() async throws {
        let listener = try NotifyListener(.filesystem)
        let clock = ManualClock()
        let checks = Mutex(0)
        let service = WatchdogService(
            notifier: SystemdNotifier(environment: listener.environment, logger: logs.logger()),
            environment: ["WATCHDOG_USEC": "30000000"],
            clock: clock,
            healthCheck: {
                checks.withLock { $0 += 1 }
                return false
            },
            logger: logs.logger()
        )
        var sleeps = clock.sleeps.makeAsyncIterator()
        let task = Task { try await service.run() }
        var deadline = try #require(await sleeps.next())
        for _ in 1 ... 3 {
            clock.advance(to: deadline)
            deadline = try #require(await sleeps.next())
        }
        #expect(checks.withLock { $0 } == 4)
        #expect(try listener.drain().isEmpty)
        #expect(logs.records.contains { $0.message == "health check failed: watchdog pings withheld" && $0.level == .info })
        task.cancel()
        try await task.value
    }

    @Test func pingsResumeWhenHealthReturns() async throws {
        let listener = try NotifyListener(.filesystem)
        let clock = ManualClock()
        let verdicts = Mutex([true, false, false, true, true])
        let service = WatchdogService(
            notifier: SystemdNotifier(environment: listener.environment, logger: logs.logger()),
            environment: ["WATCHDOG_USEC": "2000000"],
            clock: clock,
            healthCheck: { verdicts.withLock { $0.isEmpty ? true : $0.removeFirst() } },
            logger: logs.logger()
        )
        var sleeps = clock.sleeps.makeAsyncIterator()
        let task = Task { try await service.run() }
        var deadline = try #require(await sleeps.next())
        var pingsPerTick = [try listener.drain().count]
        for _ in 1 ... 4 {
            clock.advance(to: deadline)
            deadline = try #require(await sleeps.next())
            pingsPerTick.append(try listener.drain().count)
        }
        #expect(pingsPerTick == [1, 0, 0, 1, 1])
        task.cancel()
        try await task.value
    }

    @Test func watchdogPidOfAnotherProcessDisablesTheWatchdog() async throws {
        let listener = try NotifyListener(.filesystem)
        let clock = ManualClock()
        let otherPID: Int32 = getpid() == 1 ? 2 : 1
        let service = WatchdogService(
            notifier: SystemdNotifier(environment: listener.environment, logger: logs.logger()),
            environment: ["WATCHDOG_USEC": "20000", "WATCHDOG_PID": "\(otherPID)"],
            clock: clock,
            logger: logs.logger()
        )
        #expect(service.configuration == nil)
        #expect(service.pingInterval == nil)
        #expect(service.disabledReason == .otherProcess(pid: otherPID))
        try await Self.runsUntilCancelledWithoutPinging(service, listener: listener, clock: clock)
    }

    @Test func noWatchdogUsecMeansRunOnlyWaitsForShutdown() async throws {
        let listener = try NotifyListener(.filesystem)
        let clock = ManualClock()
        let service = WatchdogService(
            notifier: SystemdNotifier(environment: listener.environment, logger: logs.logger()),
            environment: [:],
            clock: clock,
            logger: logs.logger()
        )
        #expect(service.disabledReason == .notConfigured)
        try await Self.runsUntilCancelledWithoutPinging(service, listener: listener, clock: clock)
    }

    /// A disabled watchdog must not return on its own (that would end the ServiceGroup),
    /// must not sleep on its clock, and must not ping.
    private static func runsUntilCancelledWithoutPinging(
        _ service: WatchdogService<ManualClock>,
        listener: NotifyListener,
        clock: ManualClock
    ) async throws {
        let finished = Mutex(false)
        let task = Task {
            try await service.run()
            finished.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(50))
        clock.advance(to: ManualClock.Instant(offset: .seconds(3600)))
        try await Task.sleep(for: .milliseconds(50))
        #expect(finished.withLock { $0 } == false)
        #expect(try listener.drain().isEmpty)
        task.cancel()
        try await task.value
        #expect(finished.withLock { $0 })
    }
}

struct SystemdReadinessServiceTests {
    private let logs = LogCapture()

    @Test func sendsReadyOnceReadyAndStoppingWhenStopped() async throws {
        let listener = try NotifyListener(.abstract)
        let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
        let service = SystemdReadinessService(
            notifier: SystemdNotifier(environment: listener.environment, logger: logs.logger()),
            readyStatus: "store open",
            waitUntilReady: { for await _ in ready { return } },
            logger: logs.logger()
        )
        let task = Task { try await service.run() }
        try await Task.sleep(for: .milliseconds(50))
        #expect(try listener.drain().isEmpty)
        readyContinuation.yield()
        #expect(try await listener.next() == "READY=1\nSTATUS=store open")
        task.cancel()
        try await task.value
        #expect(try listener.drain() == ["STOPPING=1"])
    }

    @Test func failedStartupNeverSendsReady() async throws {
        struct StoreDidNotOpen: Error {}
        let listener = try NotifyListener(.filesystem)
        let service = SystemdReadinessService(
            notifier: SystemdNotifier(environment: listener.environment, logger: logs.logger()),
            waitUntilReady: { throw StoreDidNotOpen() },
            logger: logs.logger()
        )
        await #expect(throws: StoreDidNotOpen.self) { try await service.run() }
        #expect(try listener.drain() == ["STOPPING=1"])
    }
}
