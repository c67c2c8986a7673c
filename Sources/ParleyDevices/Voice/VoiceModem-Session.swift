import Foundation
import ParleyCore
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The body of a voice modem line's thread: open the device, run the state machine over it
/// (reads, requests, deadlines, paced writes) until it fails or the run is cancelled; reopen.
struct VoiceModemSession {
    typealias Machine = VoiceModemStateMachine<ContinuousClock.Instant>

    let modem: VoiceModem
    var machine: Machine
    var output: VoiceModemOutput
    let clock = ContinuousClock()

    init(modem: VoiceModem) {
        self.modem = modem
        self.machine = Machine(configuration: modem.configuration)
        self.output = VoiceModemOutput(sampleRate: modem.configuration.voiceFormat.sampleRate)
    }

    var stopRequested: Bool { modem.inbox.withLock { $0.stopped } }

    mutating func run() {
        let configuration = modem.configuration
        while !stopRequested {
            let port: SerialPort
            do {
                port = try SerialPort.open(path: modem.path, baudRate: configuration.baudRate)
            } catch {
                perform(machine.deviceFailed(DeviceError.openFailed(path: modem.path, errno: error).description, at: clock.now))
                if pause(for: configuration.reopenDelay) { break }
                continue
            }
            modem.logger.info("Voice modem device opened")
            output.discardAll()
            perform(machine.deviceOpened(at: clock.now))
            let failure = serve(port)
            port.close()
            output.discardAll()
            guard let failure else {
                modem.logger.info("Voice modem device closed")
                break
            }
            perform(machine.deviceFailed(failure.description, at: clock.now))
            if pause(for: configuration.reopenDelay) { break }
        }
    }

    /// Runs the line on an open device. Returns nil when stopped (after hanging up), or why
    /// the device failed.
    private mutating func serve(_ port: SerialPort) -> DeviceError? {
        let path = modem.path
        var shutdownDeadline: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var now = clock.now
            if shutdownDeadline == nil, stopRequested {
                // Hang up on the way out; closing the port (DTR drop) finishes what this cannot.
                shutdownDeadline = now.advanced(by: modem.configuration.responseTimeout * 2)
                perform(machine.hangUp(at: now))
            }
            if let deadline = shutdownDeadline {
                modem.inbox.withLock { $0.requests.removeAll() }
                if (!machine.isOffHook && output.isEmpty) || now >= deadline { return nil }
            } else {
                takeRequests(at: now)
            }
            perform(machine.tick(at: now))
            do throws(Errno) {
                try output.flush(to: port, at: now)
            } catch {
                return .ioFailed("write", path: path, errno: error)
            }

            var timeout = Duration.milliseconds(500)
            if let due = machine.nextDeadline { timeout = min(timeout, now.duration(to: due)) }
            if let wake = output.nextWake { timeout = min(timeout, wake) }
            if let deadline = shutdownDeadline { timeout = min(timeout, now.duration(to: deadline)) }
            guard let fd = port.descriptorNumber else { return .closed(path: path) }
            var fds = [
                pollfd(fd: fd, events: Int16(POLLIN) | (output.isBlocked ? Int16(POLLOUT) : 0), revents: 0),
                pollfd(fd: modem.wakeup.readEnd, events: Int16(POLLIN), revents: 0),
            ]
            let ready = Self.poll(&fds, timeout: timeout)
            if ready < 0 {
                let error = Errno(rawValue: Glibc.errno)
                if error != .interrupted { return .ioFailed("poll", path: path, errno: error) }
                continue
            }
            if fds[1].revents != 0 { modem.wakeup.drain() }
            if fds[0].revents & Int16(POLLNVAL) != 0 { return .closed(path: path) }
            guard fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 else { continue }
            // Read what is waiting (bounded, so that paced writes are not starved).
            for _ in 0..<16 {
                let count: Int?
                do {
                    count = try buffer.withUnsafeMutableBytes { raw in try port.read(into: raw) }
                } catch {
                    return .ioFailed("read", path: path, errno: (error as? Errno) ?? .ioError)
                }
                guard let count else { break }
                // 0: the device hung up (unplugged, or the pty's far side closed).
                guard count > 0 else { return .ioFailed("read", path: path, errno: .ioError) }
                now = clock.now
                perform(machine.received(buffer[..<count], at: now))
            }
        }
    }

    /// Hands queued requests to the machine.
    private mutating func takeRequests(at now: ContinuousClock.Instant) {
        let requests = modem.inbox.withLock { inbox -> [VoiceModem.Request] in
            defer { inbox.requests.removeAll() }
            return inbox.requests
        }
        for request in requests {
            switch request {
            case .answer: perform(machine.answer(at: now))
            case .hangUp: perform(machine.hangUp(at: now))
            case .transfer(let number): perform(machine.transfer(to: number, at: now))
            case .transmit(let samples): perform(machine.transmit(samples, at: now))
            }
        }
    }

    private mutating func perform(_ actions: [Machine.Action]) {
        for action in actions {
            switch action {
            case .write(let bytes):
                output.enqueue(.bytes(bytes))
            case .sendAudio(let bytes, _):
                output.enqueue(.audio(bytes))
            case .discardOutput:
                output.discard()
            case .event(let event):
                modem.publish(event)
            case .audio(let samples):
                if !samples.isEmpty { modem.audioContinuation.yield(samples) }
            case .phaseChanged(let from, let to):
                modem.logger.info(
                    "Voice line phase changed", metadata: ["line.phase": "\(to)", "line.previous_phase": "\(from)"])
            case .notice(let notice):
                modem.log(notice)
            }
        }
        modem.setMalformedCount(machine.malformedCount)
    }

    /// Waits `duration` (the device is closed) or until stopped; requests meanwhile go to the
    /// machine, which declines them. Returns true if stopped.
    private mutating func pause(for duration: Duration) -> Bool {
        let end = clock.now.advanced(by: duration)
        while !stopRequested {
            let now = clock.now
            takeRequests(at: now)
            guard now < end else { return false }
            var fds = [pollfd(fd: modem.wakeup.readEnd, events: Int16(POLLIN), revents: 0)]
            if Self.poll(&fds, timeout: min(now.duration(to: end), .milliseconds(500))) > 0 { modem.wakeup.drain() }
        }
        return true
    }

    /// `poll` with a `Duration`, rounded up to whole milliseconds (so a deadline is not missed
    /// by waking a fraction early). EINTR is returned as -1 for the caller to retry.
    private static func poll(_ fds: inout [pollfd], timeout: Duration) -> Int32 {
        let millis = timeout.pollMilliseconds
        return fds.withUnsafeMutableBufferPointer { Glibc.poll($0.baseAddress, nfds_t($0.count), millis) }
    }
}

/// The bytes waiting to go to the modem, in order: commands as they are, transmit audio paced
/// at the sample rate (a little ahead of real time, so the modem's buffer never runs dry) and
/// DLE-shielded slice by slice.
struct VoiceModemOutput {
    enum Chunk {
        case bytes([UInt8])
        /// Modem-format audio, one byte per sample, not yet shielded.
        case audio([UInt8])
    }

    /// How far ahead of real time audio is written.
    static let lead = Duration.milliseconds(100)
    /// How often paced audio is topped up.
    static let slice = Duration.milliseconds(20)

    let sampleRate: Int
    private var queue: [Chunk] = []
    /// Shielded bytes released for writing and not yet written.
    private var pending: ArraySlice<UInt8> = []
    /// Samples of the head audio chunk released so far, and when its playing began.
    private var released = 0
    private var audioStart: ContinuousClock.Instant?
    /// The last write took fewer bytes than offered: wait for the device to drain.
    private(set) var isBlocked = false

    init(sampleRate: Int) { self.sampleRate = sampleRate }

    var isEmpty: Bool { queue.isEmpty && pending.isEmpty }

    /// When the next slice of paced audio falls due, if audio is waiting.
    var nextWake: Duration? {
        guard pending.isEmpty, case .audio = queue.first else { return nil }
        return Self.slice
    }

    mutating func enqueue(_ chunk: Chunk) { queue.append(chunk) }

    /// Drops everything not yet released. What is released (at most one slice, shielded) is
    /// still written, so that a doubled DLE is never cut in half before an abort sequence.
    mutating func discard() {
        queue.removeAll()
        released = 0
        audioStart = nil
    }

    /// Drops everything (the device was closed).
    mutating func discardAll() {
        discard()
        pending = []
        isBlocked = false
    }

    /// Writes what is due, as far as the device takes it now.
    mutating func flush(to port: SerialPort, at now: ContinuousClock.Instant) throws(Errno) {
        release(at: now)
        while !pending.isEmpty {
            var failure: Errno?
            let written = pending.withUnsafeBytes { raw -> Int in
                do throws(Errno) {
                    return try port.write(raw)
                } catch {
                    failure = error
                    return 0
                }
            }
            if let failure { throw failure }
            guard written > 0 else {
                isBlocked = true
                return
            }
            pending = pending.dropFirst(written)
            if pending.isEmpty { release(at: now) }
        }
        isBlocked = false
    }

    /// Moves the next due bytes into `pending`.
    private mutating func release(at now: ContinuousClock.Instant) {
        while pending.isEmpty, let head = queue.first {
            switch head {
            case .bytes(let bytes):
                pending = bytes[...]
                queue.removeFirst()
            case .audio(let samples):
                let start = audioStart ?? now
                audioStart = start
                let due = min(samples.count, Self.samples(in: start.duration(to: now) + Self.lead, rate: sampleRate))
                if due > released {
                    pending = VoiceModemShielding.encode(samples[released..<due])[...]
                    released = due
                }
                guard released >= samples.count else { return }
                queue.removeFirst()
                released = 0
                audioStart = nil
            }
        }
    }

    static func samples(in duration: Duration, rate: Int) -> Int {
        let (seconds, attoseconds) = max(duration, .zero).components
        return Int(seconds) * rate + Int(Double(attoseconds) * 1e-18 * Double(rate))
    }
}
