import Foundation
import Logging
import ParleyControl
import ParleyControlServer
import ParleyCore
import ParleyStore
import ServiceLifecycle
import Testing

/// A real store, writer and control server in a fresh directory (mode 0755, so that other
/// uids can reach the socket), run in a `ServiceGroup` until `stop()`.
final class TestDaemon: Sendable {
    static let engineerUID: UInt32 = 1001
    static let dispatcherUID: UInt32 = 1002
    static let unmappedUID: UInt32 = 1003

    /// root is admin, 1001 engineer, 1002 dispatcher; nobody else has a role.
    static let roles: @Sendable (PeerCredentials) -> Role? = { peer in
        switch peer.uid {
        case 0: .admin
        case engineerUID: .engineer
        case dispatcherUID: .dispatcher
        default: nil
        }
    }

    let directory: String
    let socketPath: String
    let storePath: String
    let store: IncidentStore
    let writer: EventWriter
    let server: ControlServer<ContinuousClock>
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(
        directory: String, socketPath: String, storePath: String, store: IncidentStore, writer: EventWriter,
        server: ControlServer<ContinuousClock>, group: ServiceGroup, task: Task<Void, any Error>
    ) {
        self.directory = directory
        self.socketPath = socketPath
        self.storePath = storePath
        self.store = store
        self.writer = writer
        self.server = server
        self.group = group
        self.task = task
    }

    static func start(
        idleTimeout: Duration = .seconds(30), maxLineBytes: Int = 65536, maxConnections: Int = 64,
        roles: @escaping @Sendable (PeerCredentials) -> Role? = TestDaemon.roles,
        reload: @escaping @Sendable () async throws -> String = { "nothing changed" },
        telephony: (any TelephonyControl)? = nil
    ) async throws -> TestDaemon {
        let directory = "/tmp/parley-ctl-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, 0o755)
        let socketPath = directory + "/control.sock"
        let storePath = directory + "/incidents.sqlite"
        let store = try IncidentStore.open(path: storePath, options: StoreOptions(synchronous: .normal))
        let writer = try EventWriter(store: store, logger: .quiet)
        let started = ContinuousClock.now
        let server = ControlServer(
            settings: ControlServerSettings(
                socketPath: socketPath, socketMode: 0o666, maxLineBytes: maxLineBytes, idleTimeout: idleTimeout,
                daemonVersion: "0.0.0-test", maxConnections: maxConnections),
            store: store, writer: writer, roles: roles, reload: reload,
            status: { ["version": "0.0.0-test", "uptime_ms": .int(Int64(started.duration(to: .now).components.seconds * 1000))] },
            telephony: telephony, logger: .quiet)
        let group = ServiceGroup(services: [writer, server], logger: .quiet)
        let task = Task { try await group.run() }
        let daemon = TestDaemon(
            directory: directory, socketPath: socketPath, storePath: storePath, store: store, writer: writer,
            server: server, group: group, task: task)
        try await daemon.waitForSocket()
        return daemon
    }

    private func waitForSocket() async throws {
        do {
            try await server.waitUntilListening()
        } catch {
            await stop()
            throw error
        }
        #expect(FileManager.default.fileExists(atPath: socketPath), "listening means the socket path exists")
    }

    /// Graceful shutdown of server then writer; closes the store and removes the directory.
    func stop() async {
        await group.triggerGracefulShutdown()
        do {
            try await task.value
        } catch {
            Issue.record("service group failed: \(error)")
        }
        try? store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func connect() async throws -> TestClient {
        try await TestClient.connect(socketPath)
    }

    /// Audit rows, waiting until `predicate` holds for them (rows are written after the response).
    func audit(until predicate: @escaping @Sendable ([AuditRecord]) -> Bool) async throws -> [AuditRecord] {
        var rows: [AuditRecord] = []
        for _ in 0..<300 {
            rows = try store.audit(limit: 1000)
            if predicate(rows) { return rows }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("audit never matched; rows: \(rows.map { "\($0.entry.command) \($0.entry.outcome)" })")
        return rows
    }
}

/// Runs `body` with a started daemon and stops it afterwards, whatever happens.
func withDaemon<T>(
    idleTimeout: Duration = .seconds(30), maxLineBytes: Int = 65536, maxConnections: Int = 64,
    reload: @escaping @Sendable () async throws -> String = { "nothing changed" },
    telephony: (any TelephonyControl)? = nil,
    _ body: (TestDaemon) async throws -> T
) async throws -> T {
    let daemon = try await TestDaemon.start(
        idleTimeout: idleTimeout, maxLineBytes: maxLineBytes, maxConnections: maxConnections, reload: reload,
        telephony: telephony)
    do {
        let result = try await body(daemon)
        await daemon.stop()
        return result
    } catch {
        await daemon.stop()
        throw error
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Logger {
    static let quiet: Logger = {
        var logger = Logger(label: "parley.test")
        logger.logLevel = .critical
        return logger
    }()
}
