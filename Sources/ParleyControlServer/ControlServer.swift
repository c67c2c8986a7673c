import Logging
import NIOCore
import NIOPosix
import ParleyControl
import ParleyCore
import ParleyStore
import ServiceLifecycle
import Synchronization

/// Serves the control protocol on a Unix socket.
///
/// Each peer's role comes from its kernel credentials (`SO_PEERCRED`) through `roles`, once,
/// when it connects. Every command, accepted or refused, is written to the audit table; a
/// command that changes an incident is audited in the same transaction as the change.
///
/// `run()` publishes the socket (mode set before the path appears), accepts until graceful
/// shutdown, then stops accepting, lets running commands finish (a `tail` ends with
/// `shutting_down`), and removes the socket file if it is still its own. List it after the
/// `EventWriter` in the `ServiceGroup`, so that it stops first.
///
/// Generic over the clock that times idle connections.
public final class ControlServer<C: Clock>: Service, Sendable where C.Duration == Duration {
    public let settings: ControlServerSettings
    let runner: ControlCommandRunner
    let roles: @Sendable (PeerCredentials) -> Role?
    let clock: C
    private let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    private let shared: Shared

    private struct SharedState {
        var connections = 0
        var nextConnection: UInt64 = 1
        var idleTimeout: Duration
        var listening: Listening = .notYet([])
    }

    private enum Listening {
        case notYet([CheckedContinuation<Void, any Error>])
        case yes
        case failed(ControlServerError)
    }

    private final class Shared: Sendable {
        let state: Mutex<SharedState>
        init(idleTimeout: Duration) { state = Mutex(SharedState(idleTimeout: idleTimeout)) }
    }

    /// - Parameters:
    ///   - settings: socket path and mode, limits, daemon version.
    ///   - store: read side of the incident store.
    ///   - writer: the store's writer; incident changes and audit rows go through it.
    ///   - roles: the role of a peer, or nil to refuse it (`no_role`). Called once per connection,
    ///     so a reloaded mapping applies to new connections.
    ///   - reload: reloads the configuration (`reload`, admin); returns a summary of what changed,
    ///     throws to refuse (the message reaches the client).
    ///   - status: daemon-level facts for `status` (version, uptime, channels…).
    ///   - radio: the radio channels for `channels`, `key`, `unkey` and `recall…`; nil when
    ///     none are configured.
    ///   - telephony: the switchboard for `lines`, `calls`, `answer`, `hold`, `hangup`,
    ///     `transfer`, `text` and `calls.attach`; nil when no lines are configured.
    ///   - clock: times idle connections.
    ///   - eventLoopGroup: NIO event loops for the socket.
    ///   - logger: connections at debug, refusals at notice, audit failures at warning.
    public init(
        settings: ControlServerSettings,
        store: IncidentStore,
        writer: EventWriter,
        roles: @escaping @Sendable (PeerCredentials) -> Role?,
        reload: @escaping @Sendable () async throws -> String,
        status: @escaping @Sendable () async -> JSONValue,
        radio: (any RadioControl)? = nil,
        telephony: (any TelephonyControl)? = nil,
        clock: C,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.settings = settings
        self.roles = roles
        self.clock = clock
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        let shared = Shared(idleTimeout: settings.idleTimeout)
        self.shared = shared
        self.runner = ControlCommandRunner(
            settings: settings, store: store, writer: writer, commands: .v1, reload: reload, daemonStatus: status,
            connectionCount: { shared.state.withLock { $0.connections } }, radio: radio, telephony: telephony)
    }

    /// Open control connections.
    public var connectionCount: Int { shared.state.withLock { $0.connections } }

    /// The idle timeout in effect; changing it (on reload) applies to every connection's next check.
    public var idleTimeout: Duration {
        get { shared.state.withLock { $0.idleTimeout } }
        set { shared.state.withLock { $0.idleTimeout = newValue } }
    }

    /// Returns once the socket is published and accepting connections (for systemd readiness);
    /// throws if `run()` failed or stopped before that.
    public func waitUntilListening() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let verdict: Result<Void, ControlServerError>? = shared.state.withLock { state in
                switch state.listening {
                case .yes: return .success(())
                case .failed(let error): return .failure(error)
                case .notYet(var waiters):
                    waiters.append(continuation)
                    state.listening = .notYet(waiters)
                    return nil
                }
            }
            if let verdict { continuation.resume(with: verdict) }
        }
    }

    private func setListening(_ outcome: Result<Void, ControlServerError>) {
        let waiters: [CheckedContinuation<Void, any Error>] = shared.state.withLock { state in
            guard case .notYet(let waiters) = state.listening else { return [] }
            switch outcome {
            case .success: state.listening = .yes
            case .failure(let error): state.listening = .failed(error)
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(with: outcome.mapError { $0 as any Error }) }
    }

    public func run() async throws {
        do {
            try await serve()
        } catch let error as ControlServerError {
            setListening(.failure(error))
            throw error
        } catch {
            setListening(.failure(.stopped("\(error)")))
            throw error
        }
        setListening(.failure(.stopped("shut down")))
    }

    private func serve() async throws {
        let path = settings.socketPath
        guard path.utf8.count <= SocketFile.maxPathBytes else { throw ControlServerError.pathTooLong(path) }
        try SocketFile.clearStale(at: path)
        // Bound under a temporary name and renamed once its mode is set; when even the
        // temporary name would be too long, bound in place (briefly with the umask's mode).
        let candidate = SocketFile.temporaryPath(for: path)
        let temporary = candidate.utf8.count <= SocketFile.maxPathBytes ? candidate : path
        try SocketFile.clearStale(at: temporary)
        let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        do {
            server = try await ServerBootstrap(group: eventLoopGroup)
                .serverChannelOption(.backlog, value: 64)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(unixDomainSocketPath: temporary) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 4)))
                    }
                }
        } catch {
            throw ControlServerError.bindFailed(path, "\(error)")
        }
        let identity: SocketFile.Identity
        do {
            identity = try SocketFile.publish(temporary, as: path, mode: settings.socketMode)
        } catch {
            try? await server.channel.close()
            throw error
        }
        setListening(.success(()))
        logger.info(
            "Control socket listening",
            metadata: ["control.socket": "\(path)", "control.mode": "\(String(settings.socketMode, radix: 8))"])
        defer {
            SocketFile.remove(path, identity: identity)
            logger.info("Control socket closed", metadata: ["control.socket": "\(path)"])
        }
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        let admitted: UInt64? = shared.state.withLock { state in
                            guard state.connections < settings.maxConnections else { return nil }
                            state.connections += 1
                            state.nextConnection += 1
                            return state.nextConnection - 1
                        }
                        group.addTask {
                            guard let number = admitted else {
                                await self.refuseConnection(connection)
                                return
                            }
                            await self.serve(connection, number: number)
                            self.shared.state.withLock { $0.connections -= 1 }
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            // Stops accepting; each connection's own handler winds it down.
            server.channel.close(promise: nil)
        }
    }

    private func refuseConnection(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        logger.warning("Control connection refused: too many connections", metadata: ["control.limit": "\(settings.maxConnections)"])
        try? await connection.executeThenClose { _, outbound in
            try await outbound.write(ByteBuffer(bytes: ControlMessage.failure(id: nil, .tooManyConnections(settings.maxConnections))))
        }
    }
}

extension ControlServer where C == ContinuousClock {
    /// A control server timing idle connections by the real monotonic clock.
    public convenience init(
        settings: ControlServerSettings,
        store: IncidentStore,
        writer: EventWriter,
        roles: @escaping @Sendable (PeerCredentials) -> Role?,
        reload: @escaping @Sendable () async throws -> String,
        status: @escaping @Sendable () async -> JSONValue,
        radio: (any RadioControl)? = nil,
        telephony: (any TelephonyControl)? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.init(
            settings: settings, store: store, writer: writer, roles: roles, reload: reload, status: status,
            radio: radio, telephony: telephony, clock: ContinuousClock(), eventLoopGroup: eventLoopGroup, logger: logger)
    }
}
