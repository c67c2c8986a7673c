import Foundation
import SystemPackage

/// The loop on ``GSMModem``'s thread: owns the serial port and the state machine, and performs
/// the machine's actions. Only that thread touches it.
struct GSMModemSession {
    /// The longest the loop blocks, so that host requests and cancellation are seen promptly.
    static var slice: Duration { .milliseconds(50) }

    private let modem: GSMModem
    private let clock = ContinuousClock()
    private var machine: GSMModemStateMachine<ContinuousClock.Instant>
    private var port: SerialPort?
    private var nextOpen: ContinuousClock.Instant
    private var buffer = [UInt8](repeating: 0, count: 4096)

    init(modem: GSMModem) {
        self.modem = modem
        machine = GSMModemStateMachine(configuration: modem.configuration, firstReference: .random(in: 0...255))
        nextOpen = clock.now
    }

    mutating func run() {
        while !modem.inbox.withLock({ $0.stopped }) {
            if port == nil, clock.now >= nextOpen { open() }
            let requests = modem.inbox.withLock { inbox in
                defer { inbox.requests.removeAll() }
                return inbox.requests
            }
            for request in requests {
                let now = clock.now
                switch request {
                case .committed(let index): perform(machine.committed(index: index, at: now))
                case .commitFailed(let index): perform(machine.commitFailed(index: index, at: now))
                case .send(let recipient, let text, let requestID):
                    perform(machine.send(to: recipient, text: text, requestID: requestID, at: now))
                }
            }
            perform(machine.tick(at: clock.now))
            waitAndRead()
        }
        port?.close()
    }

    private mutating func open() {
        let now = clock.now
        do {
            port = try SerialPort.open(path: modem.path, baudRate: modem.configuration.baudRate)
            modem.logger.info("GSM modem device opened")
            perform(machine.portOpened(at: now))
        } catch {
            nextOpen = now.advanced(by: modem.configuration.reopenDelay)
            perform(machine.portLost(DeviceError.openFailed(path: modem.path, errno: error).description, at: now))
        }
    }

    /// Blocks until input, the next deadline or the end of the slice; feeds what arrived.
    private mutating func waitAndRead() {
        var wait = Self.slice
        if let deadline = machine.nextDeadline { wait = min(wait, max(.zero, clock.now.duration(to: deadline))) }
        guard let port else {
            wait = min(wait, max(.zero, clock.now.duration(to: nextOpen)))
            Thread.sleep(forTimeInterval: Double(wait.components.attoseconds) / 1e18 + Double(wait.components.seconds))
            return
        }
        do {
            guard try port.waitReadable(timeout: wait) else { return }
            let count = try buffer.withUnsafeMutableBytes { raw in Result { () throws(Errno) in try port.read(into: raw) } }.get()
            switch count {
            case nil:
                return
            case 0?:
                lose("\(modem.path) hung up (modem unplugged or reset) — parleyd reopens it")
            case let count?:
                perform(machine.receive(buffer[..<count], at: clock.now))
            }
        } catch {
            lose(DeviceError.ioFailed("read", path: modem.path, errno: error).description)
        }
    }

    private mutating func lose(_ reason: String) {
        port?.close()
        port = nil
        nextOpen = clock.now.advanced(by: modem.configuration.reopenDelay)
        perform(machine.portLost(reason, at: clock.now))
    }

    /// Performs actions in order; a write that fails loses the port (later writes are dropped,
    /// the machine's reaction to the loss is performed too).
    private mutating func perform(_ actions: [GSMModemAction]) {
        var pending = actions[...]
        while let action = pending.popFirst() {
            switch action {
            case .emit(let event):
                modem.publish(event)
            case .write(let bytes):
                guard let port else { continue }
                do {
                    try Self.writeAll(bytes, to: port, within: modem.configuration.responseTimeout)
                } catch {
                    port.close()
                    self.port = nil
                    nextOpen = clock.now.advanced(by: modem.configuration.reopenDelay)
                    pending += machine.portLost(DeviceError.ioFailed("write", path: modem.path, errno: error).description, at: clock.now)
                }
            }
        }
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
                Thread.sleep(forTimeInterval: 0.005)
            }
        }
    }
}
