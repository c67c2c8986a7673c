import ParleyCore

/// The protocol side of one control connection, without I/O.
///
/// It turns received bytes into work in arrival order (requests to execute, refusals to send
/// and audit), applies the role rules, bounds how much work may queue, and decides about end
/// of input, idle time-out and shutdown. The server feeds it events and performs what it
/// returns. Times are offsets from the connection's start on the server's clock.
///
/// Requests on one connection run one at a time, in order, so responses come in request order.
public struct ControlSessionStateMachine: Sendable {
    /// A request that will not run, with what the audit trail records about it.
    public struct Refusal: Sendable, Hashable {
        public var id: ControlRequestID?
        /// The command as the request named it, or `-` when the line could not be read that far.
        public var command: String
        /// Canonical JSON of the arguments (or of what could be salvaged).
        public var arguments: String
        public var error: ControlError
        /// The connection is closed once this refusal is sent (`no_role`).
        public var closesConnection: Bool
    }

    public enum Work: Sendable, Hashable {
        case execute(ControlRequest)
        case refuse(Refusal)
    }

    public enum ReadAction: Sendable, Hashable {
        case keepReading
        /// The queue is full: read again after the next `workFinished`.
        case pauseReading
        /// No further input is accepted (a closing refusal is queued).
        case stopReading
    }

    public enum Next: Sendable, Hashable {
        case run(Work)
        /// Nothing to do until more input arrives.
        case wait
        /// Close the connection.
        case close
    }

    public struct InputEnded: Sendable, Hashable {
        /// Bytes of an unterminated last line that were dropped (never executed).
        public var discardedBytes: Int
        /// A running stream (`tail`) must stop: nobody is left to ask for more.
        public var stopStream: Bool
    }

    private enum Input: Sendable, Hashable {
        case open
        case ended
        /// A refusal that closes the connection is queued; later bytes are ignored.
        case closing
    }

    private enum Running: Sendable, Hashable {
        case nothing
        case command
        case stream
    }

    public let role: Role?
    public let maxQueued: Int
    private let noRole: ControlError
    private let parser: ControlRequestParser
    private var decoder: ControlLineDecoder
    private var input: Input = .open
    private var running: Running = .nothing
    private var shuttingDown = false
    private var queue: [Work] = []
    private var lastActivity: Duration

    /// - Parameters:
    ///   - role: the peer's role; nil refuses every request with `no_role` and closes.
    ///   - peerUID, peerGID: named in the `no_role` message.
    public init(
        role: Role?, peerUID: UInt32 = 0, peerGID: UInt32 = 0, commands: ControlCommandTable = .v1,
        maxLineBytes: Int = ControlProtocol.defaultMaxLineBytes, maxQueued: Int = 16, now: Duration = .zero
    ) {
        precondition(maxQueued > 0, "maxQueued must be positive")
        self.role = role
        self.noRole = .noRole(uid: peerUID, gid: peerGID)
        self.maxQueued = maxQueued
        self.parser = ControlRequestParser(commands: commands)
        self.decoder = ControlLineDecoder(maxLineBytes: maxLineBytes)
        self.lastActivity = now
    }

    /// Work waiting to run (not counting the running one).
    public var queuedCount: Int { queue.count }

    /// True until the input ends, the daemon shuts down, or a closing refusal is queued.
    public var acceptsInput: Bool { input == .open && !shuttingDown }

    // MARK: Events

    /// Bytes arrived from the peer.
    public mutating func received(_ bytes: UnsafeRawBufferPointer, at now: Duration) -> ReadAction {
        guard input == .open, !shuttingDown else { return .stopReading }
        lastActivity = now
        for output in decoder.feed(bytes) {
            guard input == .open else { break }
            switch output {
            case .lineTooLong:
                enqueue(
                    .refuse(
                        refusal(
                            ControlRequestFailure(error: .lineTooLong(maxBytes: decoder.maxLineBytes)),
                            arguments: ["max_bytes": .int(Int64(decoder.maxLineBytes))])))
            case .line(let line):
                enqueue(work(for: line))
            }
        }
        return readAction
    }

    public mutating func received(_ bytes: [UInt8], at now: Duration) -> ReadAction {
        bytes.withUnsafeBytes { received($0, at: now) }
    }

    /// The peer closed its sending side (or the connection).
    public mutating func inputEnded(at now: Duration) -> InputEnded {
        var discarded = 0
        if case .partialLine(let bytes) = decoder.finish() { discarded = bytes }
        if input == .open { input = .ended }
        return InputEnded(discardedBytes: discarded, stopStream: running == .stream)
    }

    /// The daemon is stopping: queued requests are refused, a running stream must stop.
    /// Returns whether a stream is running.
    public mutating func shutdown() -> Bool {
        shuttingDown = true
        return running == .stream
    }

    /// What to do next; call when nothing is running.
    public mutating func next() -> Next {
        precondition(running == .nothing, "next() while work is running")
        guard !queue.isEmpty else {
            return input == .open && !shuttingDown ? .wait : .close
        }
        var work = queue.removeFirst()
        if shuttingDown, case .execute(let request) = work {
            work = .refuse(
                refusal(
                    ControlRequestFailure(
                        id: request.id, command: request.command.rawValue, rawArguments: request.rawArguments,
                        error: .shuttingDown), arguments: nil))
        }
        switch work {
        case .execute(let request):
            running = parser.commands[request.command]?.stream == nil ? .command : .stream
        case .refuse:
            running = .command
        }
        return .run(work)
    }

    /// The work returned by `next()` is done (its response written, its audit row committed).
    public mutating func workFinished(at now: Duration) -> ReadAction {
        running = .nothing
        lastActivity = now
        return readAction
    }

    // MARK: Idle

    /// When the connection counts as idle if nothing happens first; nil while work is queued or
    /// running (a `tail` is never idle), or once input has ended.
    public func idleDeadline(timeout: Duration) -> Duration? {
        guard input == .open, !shuttingDown, running == .nothing, queue.isEmpty else { return nil }
        return lastActivity + timeout
    }

    /// True when the connection has been idle for `timeout` at `now` and should be closed.
    public func isIdle(at now: Duration, timeout: Duration) -> Bool {
        guard let deadline = idleDeadline(timeout: timeout) else { return false }
        return now >= deadline
    }

    // MARK: Helpers

    private var readAction: ReadAction {
        if input == .closing || shuttingDown { return .stopReading }
        return queue.count >= maxQueued ? .pauseReading : .keepReading
    }

    private mutating func enqueue(_ work: Work) {
        if case .refuse(let refusal) = work, refusal.closesConnection { input = .closing }
        queue.append(work)
    }

    private func work(for line: [UInt8]) -> Work {
        switch parser.parse(line) {
        case .failure(let failure):
            let salvage: [String: JSONValue]? =
                failure.rawArguments == nil && failure.command == nil
                ? ["line": .string(String(decoding: line.prefix(200), as: UTF8.self))] : nil
            return .refuse(refusal(failure, arguments: salvage))
        case .success(let request):
            guard let role else {
                return .refuse(refusal(request, noRole, closes: true))
            }
            if let spec = parser.commands[request.command], role < spec.minimumRole {
                return .refuse(
                    refusal(request, .forbidden(command: request.command.rawValue, needs: spec.minimumRole, has: role)))
            }
            return .execute(request)
        }
    }

    private func refusal(_ request: ControlRequest, _ error: ControlError, closes: Bool = false) -> Refusal {
        refusal(
            ControlRequestFailure(
                id: request.id, command: request.command.rawValue, rawArguments: request.rawArguments, error: error),
            arguments: nil, closes: closes)
    }

    private func refusal(_ failure: ControlRequestFailure, arguments: [String: JSONValue]?, closes: Bool = false)
        -> Refusal
    {
        // Every refusal from a peer without a role closes the connection, whatever was wrong.
        let closes = closes || role == nil
        let error = role == nil ? noRole : failure.error
        let recorded = arguments ?? failure.rawArguments ?? [:]
        return Refusal(
            id: failure.id, command: failure.command ?? "-", arguments: JSONValue.object(recorded).canonicalString,
            error: error, closesConnection: closes)
    }
}
