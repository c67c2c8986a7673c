import Foundation
import ParleyCore
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The body of a PEI terminal's thread: open the device, run the state machine over it (reads,
/// requests, deadlines) until it fails or the run is cancelled; reopen.
struct PEITerminalSession {
    typealias Machine = PEIStateMachine<ContinuousClock.Instant>

    let terminal: PEITerminal
    var machine: Machine
    let clock = ContinuousClock()
    var port: SerialPort?

    init(terminal: PEITerminal) {
        self.terminal = terminal
        machine = Machine(configuration: terminal.configuration, firstReference: .random(in: 0...255))
    }

    var stopRequested: Bool { terminal.inbox.withLock { $0.stopped } }

    mutating func run() {
        let configuration = terminal.configuration
        while !stopRequested {
            do {
                port = try SerialPort.open(path: terminal.path, baudRate: configuration.baudRate)
            } catch {
                perform(machine.portLost(DeviceError.openFailed(path: terminal.path, errno: error).description, at: clock.now))
                if pause(for: configuration.reopenDelay) { break }
                continue
            }
            terminal.logger.info("PEI device opened")
            perform(machine.portOpened(at: clock.now))
            let failure = serve()
            port?.close()
            port = nil
            guard let failure else {
                terminal.logger.info("PEI device closed")
                break
            }
            perform(machine.portLost(failure.description, at: clock.now))
            if pause(for: configuration.reopenDelay) { break }
        }
    }

    /// Runs the terminal on the open device. Returns nil when stopped (after releasing PTT), or
    /// why the device failed.
    private mutating func serve() -> DeviceError? {
        let path = terminal.path
        var shutdownDeadline: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var now = clock.now
            if shutdownDeadline == nil, stopRequested {
                // Release PTT on the way out; closing the port finishes what this cannot.
                shutdownDeadline = now.advanced(by: terminal.configuration.responseTimeout)
                terminal.inbox.withLock { $0.requests.removeAll() }
                perform(machine.unkey(force: machine.isKeyed, at: now))
            }
            if let deadline = shutdownDeadline {
                if !machine.isKeyed && !machine.isBusy || now >= deadline { return nil }
            } else {
                takeRequests(at: now)
            }
            perform(machine.tick(at: now))
            if let failure = writeFailure { return failure }

            var timeout = Duration.milliseconds(500)
            if let due = machine.nextDeadline { timeout = min(timeout, now.duration(to: due)) }
            if let deadline = shutdownDeadline { timeout = min(timeout, now.duration(to: deadline)) }
            guard let fd = port?.descriptorNumber else { return .closed(path: path) }
            var fds = [
                pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: terminal.wakeup.readEnd, events: Int16(POLLIN), revents: 0),
            ]
            let ready = Self.poll(&fds, timeout: timeout)
            if ready < 0 {
                let error = Errno(rawValue: Glibc.errno)
                if error != .interrupted { return .ioFailed("poll", path: path, errno: error) }
                continue
            }
            if fds[1].revents != 0 { terminal.wakeup.drain() }
            if fds[0].revents & Int16(POLLNVAL) != 0 { return .closed(path: path) }
            guard fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 else { continue }
            for _ in 0..<16 {
                let count: Int?
                do {
                    count = try buffer.withUnsafeMutableBytes { raw in try port?.read(into: raw) ?? nil }
                } catch {
                    return .ioFailed("read", path: path, errno: (error as? Errno) ?? .ioError)
                }
                guard let count else { break }
                // 0: the device hung up (unplugged, or the pty's far side closed).
                guard count > 0 else { return .ioFailed("read", path: path, errno: .ioError) }
                now = clock.now
                perform(machine.receive(buffer[..<count], at: now))
                if let failure = writeFailure { return failure }
            }
        }
    }

    /// Set when a write failed; the loop then gives up the port.
    private var writeFailure: DeviceError?

    /// Hands queued requests to the machine.
    private mutating func takeRequests(at now: ContinuousClock.Instant) {
        let requests = terminal.inbox.withLock { inbox -> [PEITerminal.Request] in
            defer { inbox.requests.removeAll() }
            return inbox.requests
        }
        for request in requests {
            switch request {
            case .key(let priority): perform(machine.key(priority: priority, at: now))
            case .unkey(let force): perform(machine.unkey(force: force, at: now))
            case .sendStatus(let value, let ssi, let requestID):
                perform(machine.sendStatus(value, to: ssi, requestID: requestID, at: now))
            case .sendText(let text, let ssi, let reportRequest, let requestID):
                perform(machine.sendText(text, to: ssi, reportRequest: reportRequest, requestID: requestID, at: now))
            }
        }
    }

    /// Performs actions in order. A failed write is remembered; the loop reports the port lost.
    private mutating func perform(_ actions: [PEIAction]) {
        for action in actions {
            switch action {
            case .emit(let event):
                terminal.publish(event, counters: machine.counters)
            case .write(let bytes):
                guard let port, writeFailure == nil else { continue }
                do {
                    try Self.writeAll(bytes, to: port, within: terminal.configuration.responseTimeout)
                } catch {
                    writeFailure = .ioFailed("write", path: terminal.path, errno: error)
                }
            }
        }
        let machine = machine
        terminal.snapshot.withLock { state in
            state.isReady = machine.isReady
            state.isKeyed = machine.isKeyed
            state.counters = machine.counters
            if machine.squelchOpen == nil { state.squelch = nil }
        }
    }

    /// Waits `duration` (the device is closed) or until stopped; requests meanwhile go to the
    /// machine, which declines them. Returns true if stopped.
    private mutating func pause(for duration: Duration) -> Bool {
        writeFailure = nil
        let end = clock.now.advanced(by: duration)
        while !stopRequested {
            let now = clock.now
            takeRequests(at: now)
            guard now < end else { return false }
            var fds = [pollfd(fd: terminal.wakeup.readEnd, events: Int16(POLLIN), revents: 0)]
            if Self.poll(&fds, timeout: min(now.duration(to: end), .milliseconds(500))) > 0 { terminal.wakeup.drain() }
        }
        return true
    }

    /// Writes every byte, waiting while the tty's buffer is full; `EAGAIN` past `timeout`
    /// counts as a failure (flow control stuck).
    private static func writeAll(_ bytes: [UInt8], to port: SerialPort, within timeout: Duration) throws(Errno) {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var offset = 0
        while offset < bytes.count {
            let written = try bytes[offset...].withUnsafeBytes { raw in Result { () throws(Errno) in try port.write(raw) } }.get()
            offset += written
            if written == 0 {
                guard ContinuousClock.now < deadline else { throw .resourceTemporarilyUnavailable }
                Thread.sleep(forTimeInterval: 0.002)
            }
        }
    }

    /// `poll` with a `Duration`, rounded up to whole milliseconds. EINTR is returned as -1 for
    /// the caller to retry.
    private static func poll(_ fds: inout [pollfd], timeout: Duration) -> Int32 {
        let millis = timeout.pollMilliseconds
        return fds.withUnsafeMutableBufferPointer { Glibc.poll($0.baseAddress, nfds_t($0.count), millis) }
    }
}
