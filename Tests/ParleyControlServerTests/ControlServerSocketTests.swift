import Foundation
import Logging
import ParleyControlServer
import ParleyStore
import Testing

@Suite("Control server: socket file")
struct ControlServerSocketTests {
    @Test func theSocketGetsItsModeAndIsRemovedAtShutdown() async throws {
        let daemon = try await TestDaemon.start()
        var info = stat()
        #expect(lstat(daemon.socketPath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o666)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        let path = daemon.socketPath
        await daemon.stop()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aStaleSocketIsReplacedButALiveOneOrAnOrdinaryFileIsNot() async throws {
        try await withDaemon { daemon in
            // Live: the running daemon's socket.
            let second = try makeServer(socketPath: daemon.socketPath, store: daemon.store, writer: daemon.writer)
            await #expect(throws: ControlServerError.self) { try await second.run() }
            await #expect(throws: ControlServerError.self) { try await second.waitUntilListening() }
            #expect(FileManager.default.fileExists(atPath: daemon.socketPath))

            // An ordinary file.
            let file = daemon.directory + "/not-a-socket"
            _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
            let third = try makeServer(socketPath: file, store: daemon.store, writer: daemon.writer)
            await #expect(throws: ControlServerError.self) { try await third.run() }
            #expect(FileManager.default.fileExists(atPath: file))

            // Stale: a socket file nobody listens on.
            let stale = daemon.directory + "/stale.sock"
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(stale.utf8) + [0]) }
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            close(fd)
            #expect(FileManager.default.fileExists(atPath: stale))
            let fourth = try makeServer(socketPath: stale, store: daemon.store, writer: daemon.writer)
            let task = Task { try await fourth.run() }
            var served = false
            for _ in 0..<200 where !served {
                try await Task.sleep(for: .milliseconds(10))
                if let client = try? await TestClient.connect(stale) {
                    served = try await client.request("hello").isOK
                    client.close()
                }
            }
            #expect(served)
            task.cancel()
            _ = try? await task.value
        }
    }

    private func makeServer(socketPath: String, store: IncidentStore, writer: EventWriter) throws -> ControlServer<ContinuousClock> {
        ControlServer(
            settings: ControlServerSettings(socketPath: socketPath, daemonVersion: "t"), store: store, writer: writer,
            roles: { _ in .admin }, reload: { "" }, status: { [:] }, logger: .quiet)
    }
}
