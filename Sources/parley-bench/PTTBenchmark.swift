import ArgumentParser
import Dispatch
import Foundation
import Logging
import ParleyCore
import ParleyDevices
import Synchronization

/// `parley-bench ptt`: key request to line change, through floor control and the PTT drivers,
/// next to rigctld's `T 1` round trip — all in one run.
///
/// Paths measured (each key and each unkey is one sample):
/// - serial RTS on a pty: the process re-executes itself with the TIOCM shim preloaded; the
///   line changes when the driver's `TIOCMBIS`/`TIOCMBIC` runs (the shim's timestamp);
/// - CM108 GPIO: the driver writes its 5-byte report into a FIFO; the change is observed when
///   a reader thread's `read` returns it;
/// - rigctld: `RigctldPTT` through floor control until `RPRT 0` arrives, and a bare socket
///   sending `T 1`/`T 0` and reading `RPRT 0` (the reference).
struct PTTBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ptt",
        abstract: "PTT latency: key request to line change (serial, CM108) against rigctld's T 1 round trip.")

    @Option(help: "Key/unkey cycles per path.")
    var iterations: Int = 2000

    @Option(help: "Pause after each key and each unkey, in microseconds.")
    var gap: Int = 300

    @Option(help: "The rigctld executable.")
    var rigctld: String = "/usr/bin/rigctld"

    @Option(help: "C compiler used to build the TIOCM shim.")
    var compiler: String = "cc"

    @Option(help: ArgumentHelp("Key RTS/DTR on this tty and hold until SIGTERM (kill -9 tests).", visibility: .hidden))
    var holdKeyed: String?

    @Option(help: ArgumentHelp("Lines for --hold-keyed: rts, dtr, !rts, … comma-separated.", visibility: .hidden))
    var lines: String = "rts"

    func run() async throws {
        var logger = Logger(label: "parley.bench.ptt")
        logger.logLevel = .warning
        if let holdKeyed {
            try await hold(path: holdKeyed, logger: logger)
            return
        }
        guard TIOCMShim.isLoaded else {
            try reexecuteWithShim()
            return
        }
        guard let logPath = ProcessInfo.processInfo.environment[TIOCMShim.logEnvironmentKey] else {
            throw ValidationError("the TIOCM shim is loaded but \(TIOCMShim.logEnvironmentKey) is not set")
        }
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.trimmingCharacters(in: .newlines) ?? "?"
        print("parley-bench ptt: iterations=\(iterations) gap=\(gap)µs cpus=\(ProcessInfo.processInfo.activeProcessorCount) loadavg=\(load)")
        print("  (each key and each unkey is one sample; request → floor control → driver thread → line)")
        print("path                                                   samples    p50 µs    p90 µs    p99 µs    max µs")

        let serial = try await measureSerial(logPath: logPath, logger: logger)
        report("serial RTS (pty + shim) key: request → line change", serial.lineChange.keys)
        report("serial RTS unkey: request → line change", serial.lineChange.unkeys)
        report("serial RTS key: request → driver returned", serial.acknowledged.keys)
        let cm108 = try await measureCM108(logger: logger)
        report("CM108 GPIO (FIFO) key: request → report read", cm108.lineChange.keys)
        report("CM108 GPIO unkey: request → report read", cm108.lineChange.unkeys)
        report("CM108 GPIO key: request → driver returned", cm108.acknowledged.keys)
        let rig = try await measureRigctld(logger: logger)
        report("rigctld bare socket: T 1 → RPRT 0", rig.bare.keys)
        report("rigctld bare socket: T 0 → RPRT 0", rig.bare.unkeys)
        report("rigctld via RigctldPTT key: request → RPRT 0", rig.driver.keys)
        report("rigctld via RigctldPTT unkey: request → RPRT 0", rig.driver.unkeys)

        let reference = percentile(rig.bare.keys, 0.99)
        let referenceMedian = percentile(rig.bare.keys, 0.5)
        for (name, samples) in [("serial", serial.lineChange.keys), ("CM108", cm108.lineChange.keys)] {
            let p99 = percentile(samples, 0.99)
            print(String(format: "%@ key p99 %.1f µs: target ≤ 1000 µs %@; ratio to rigctld T 1 p99 (%.1f µs) %.2f, target ≤ 0.5 %@; p50 ratio %.2f",
                name, p99, p99 <= 1000 ? "met" : "MISSED", reference, p99 / reference, p99 / reference <= 0.5 ? "met" : "MISSED",
                percentile(samples, 0.5) / referenceMedian))
        }
    }

    // MARK: Paths

    private struct Samples {
        var lineChange: [Double] = []
        var acknowledged: [Double] = []
    }

    @Option(help: "Key/unkey cycles against rigctld (hamlib 4.5 takes ~50 ms per T 0).")
    var rigctldIterations: Int = 1000

    /// Drives key/unkey cycles through floor control and `driver`; returns each request's
    /// start time and the time the driver returned, in `CLOCK_MONOTONIC` ns.
    private func cycle(_ driver: some PTTDriver, iterations: Int) async throws -> (starts: [UInt64], returns: [UInt64]) {
        var floor = FloorControlStateMachine<ContinuousClock.Instant>()
        let keyer = Keyer(id: "operator:bench", priority: .dispatcher)
        var starts: [UInt64] = []
        var returns: [UInt64] = []
        starts.reserveCapacity(iterations * 2)
        returns.reserveCapacity(iterations * 2)
        for _ in 0..<iterations {
            for keying in [true, false] {
                let start = monotonicNanoseconds()
                let actions = keying ? floor.request(keyer, at: .now) : floor.release(by: keyer.id, at: .now)
                for action in actions {
                    switch action {
                    case .keyLine: try await driver.key()
                    case .unkeyLine: try await driver.unkey()
                    default: _ = action.eventDraft(channel: "bench")  // what the channel service would submit
                    }
                }
                returns.append(monotonicNanoseconds())
                starts.append(start)
                try await Task.sleep(for: .microseconds(gap))
            }
        }
        return (starts, returns)
    }

    private func measureSerial(logPath: String, logger: Logger) async throws -> Samples {
        let pty = try PseudoTerminal()
        defer { pty.close() }
        let driver = try SerialLinePTT.open(path: pty.slavePath, lines: [SerialPTTLine(.rts)], logger: logger)
        let before = TIOCMShim.parseLog(try String(contentsOfFile: logPath, encoding: .utf8)).filter { $0.pty == pty.number }.count
        let (starts, returns) = try await cycle(driver, iterations: iterations)
        await driver.close()
        let changes = TIOCMShim.parseLog(try String(contentsOfFile: logPath, encoding: .utf8)).filter { $0.pty == pty.number }
        let measured = Array(changes.dropFirst(before).prefix(starts.count))
        guard measured.count == starts.count else {
            throw ValidationError("the shim logged \(measured.count) line changes for \(starts.count) requests")
        }
        for (index, change) in measured.enumerated() where change.lines.contains(.rts) != (index % 2 == 0) {
            throw ValidationError("line change \(index) went the wrong way: \(change.lines)")
        }
        return Samples(
            lineChange: zip(starts, measured).map { Double(Int64($1.nanoseconds) - Int64($0)) / 1000 },
            acknowledged: zip(starts, returns).map { Double($1 - $0) / 1000 })
    }

    private func measureCM108(logger: Logger) async throws -> Samples {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-bench-ptt-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("hidraw-standin").path
        guard mkfifo(fifo, 0o600) == 0 else { throw ValidationError("mkfifo \(fifo) failed: errno \(errno)") }
        let reader = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard reader >= 0 else { throw ValidationError("open \(fifo) failed: errno \(errno)") }
        _ = fcntl(reader, F_SETFL, 0)  // blocking reads from here on
        // The writer must exist before the reader thread starts: a FIFO without one reads as EOF.
        let driver = try CM108PTT(path: fifo, logger: logger)
        let observed = ReportObserver(fd: reader, reports: 1 + iterations * 2 + 1)
        let (starts, returns) = try await cycle(driver, iterations: iterations)
        await driver.close()
        let times = observed.wait()
        _ = Glibc.close(reader)
        // Report 0 is the unkey at open; then one per request; the last is the unkey at close.
        let measured = Array(times.dropFirst().prefix(starts.count))
        guard measured.count == starts.count else {
            throw ValidationError("observed \(measured.count) reports for \(starts.count) requests")
        }
        return Samples(
            lineChange: zip(starts, measured).map { Double(Int64($1) - Int64($0)) / 1000 },
            acknowledged: zip(starts, returns).map { Double($1 - $0) / 1000 })
    }

    private func measureRigctld(logger: Logger) async throws -> (driver: [Double], bare: [Double]) {
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: rigctld)
        process.arguments = ["-m", "1", "-P", "RIG", "-T", "127.0.0.1", "-t", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            // rigctld 4.5 may ignore SIGTERM while a client thread lingers; it is our child.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let bare = try BareRigctld(port: port, within: .seconds(10))
        let driver = try RigctldPTT(port: port, timeout: .seconds(2), logger: logger)
        let (starts, returns) = try await cycle(driver, iterations: rigctldIterations)
        await driver.close()
        var bareSamples: [Double] = []
        bareSamples.reserveCapacity(rigctldIterations * 2)
        for _ in 0..<rigctldIterations {
            for command in ["T 1\n", "T 0\n"] {
                let start = monotonicNanoseconds()
                try bare.roundTrip(command)
                bareSamples.append(Double(monotonicNanoseconds() - start) / 1000)
                try await Task.sleep(for: .microseconds(gap))
            }
        }
        return (zip(starts, returns).map { Double($1 - $0) / 1000 }, bareSamples)
    }

    // MARK: Hold mode (tests)

    /// Keys the PTT on `path` through floor control, prints `keyed`, and holds it until
    /// SIGTERM, which releases it through the shutdown path and prints `released`.
    private func hold(path: String, logger: Logger) async throws {
        let pttLines = try lines.split(separator: ",").map { name -> SerialPTTLine in
            let inverted = name.hasPrefix("!")
            guard let line = SerialPTTLine.Line(rawValue: String(name.drop { $0 == "!" })) else {
                throw ValidationError("unknown line \(name): use rts or dtr")
            }
            return SerialPTTLine(line, inverted: inverted)
        }
        signal(SIGTERM, SIG_IGN)
        let (terminations, continuation) = AsyncStream<Void>.makeStream()
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        source.setEventHandler { continuation.yield() }
        source.resume()
        defer { source.cancel() }
        let driver = try SerialLinePTT.open(path: path, lines: pttLines, logger: logger)
        var floor = FloorControlStateMachine<ContinuousClock.Instant>()
        for action in floor.request(Keyer(id: "operator:hold", priority: .dispatcher), at: .now) where action == .keyLine {
            try await driver.key()
        }
        FileHandle.standardOutput.write(Data("keyed\n".utf8))
        for await _ in terminations { break }
        for action in floor.shutdown(at: .now) where action == .unkeyLine {
            try await driver.unkey()
        }
        await driver.close()
        FileHandle.standardOutput.write(Data("released\n".utf8))
    }

    // MARK: Helpers

    private func reexecuteWithShim() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-bench-shim-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let library = try TIOCMShim.build(in: directory.path, compiler: compiler)
        let log = directory.appendingPathComponent("lines.log").path
        guard FileManager.default.createFile(atPath: log, contents: nil) else { throw ValidationError("cannot create \(log)") }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = Array(CommandLine.arguments.dropFirst())
        var environment = ProcessInfo.processInfo.environment
        environment["LD_PRELOAD"] = library
        environment[TIOCMShim.logEnvironmentKey] = log
        child.environment = environment
        try child.run()
        child.waitUntilExit()
        if child.terminationStatus != 0 { throw ExitCode(child.terminationStatus) }
    }

    private func report(_ name: String, _ samples: [Double]) {
        let padded = name.padding(toLength: 54, withPad: " ", startingAt: 0)
        print(String(format: "%@ %8d %9.1f %9.1f %9.1f %9.1f", padded, samples.count,
            percentile(samples, 0.5), percentile(samples, 0.9), percentile(samples, 0.99), samples.max() ?? 0))
    }
}

extension Array where Element == Double {
    /// Samples alternate key, unkey, key, …
    fileprivate var keys: [Double] { stride(from: 0, to: count, by: 2).map { self[$0] } }
    fileprivate var unkeys: [Double] { stride(from: 1, to: count, by: 2).map { self[$0] } }
}

private func percentile(_ samples: [Double], _ fraction: Double) -> Double {
    guard !samples.isEmpty else { return .nan }
    let sorted = samples.sorted()
    return sorted[Int((Double(sorted.count - 1) * fraction).rounded())]
}

private func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Reads 5-byte reports from the CM108 stand-in on its own thread, timestamping each.
private final class ReportObserver: Sendable {
    private let times = Mutex<[UInt64]>([])
    private let done = DispatchSemaphore(value: 0)

    init(fd: Int32, reports: Int) {
        let thread = Thread { [self] in
            var report = [UInt8](repeating: 0, count: 5)
            var seen = 0
            while seen < reports {
                var filled = 0
                while filled < 5 {
                    let count = report.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, 5 - filled) }
                    if count <= 0 { break }
                    filled += count
                }
                guard filled == 5 else { break }
                let now = monotonicNanoseconds()
                self.times.withLock { $0.append(now) }
                seen += 1
            }
            self.done.signal()
        }
        thread.start()
    }

    func wait() -> [UInt64] {
        done.wait()
        return times.withLock { $0 }
    }
}

/// A plain blocking connection to rigctld: the reference round trip.
private final class BareRigctld {
    private let fd: Int32

    init(port: Int, within timeout: Duration) throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if connected == 0 {
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                self.fd = fd
                return
            }
            _ = Glibc.close(fd)
            guard ContinuousClock.now < deadline else { throw ValidationError("rigctld did not start listening on port \(port)") }
            usleep(20_000)
        }
    }

    deinit { _ = Glibc.close(fd) }

    func roundTrip(_ command: String) throws {
        let sent = command.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        guard sent == command.utf8.count else { throw ValidationError("send to rigctld failed") }
        var reply: [UInt8] = []
        var byte: UInt8 = 0
        while byte != UInt8(ascii: "\n") {
            guard recv(fd, &byte, 1, 0) == 1 else { throw ValidationError("rigctld closed the connection") }
            reply.append(byte)
        }
        guard reply == Array("RPRT 0\n".utf8) else {
            throw ValidationError("rigctld answered \(String(decoding: reply, as: UTF8.self).debugDescription)")
        }
    }
}

/// A loopback TCP port nobody listens on right now.
private func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { _ = Glibc.close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard ok else { throw ValidationError("cannot find a free loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
