import Foundation
import Logging
import ParleyDevices
import Synchronization
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

let quietLogger: Logger = {
    var logger = Logger(label: "parley.devices.test", factory: { _ in SwiftLogNoOpLogHandler() })
    logger.logLevel = .critical
    return logger
}()

/// A fresh directory under the system temporary directory, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("parley-devices-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

func readBytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Reads from a descriptor until `count` bytes arrived or `timeout` passed.
func read(_ fd: Int32, count: Int, timeout: Duration = .seconds(2)) -> [UInt8] {
    var result: [UInt8] = []
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while result.count < count, ContinuousClock.now < deadline {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 50) > 0 else { continue }
        var buffer = [UInt8](repeating: 0, count: count - result.count)
        let got = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if got <= 0 { break }
        result += buffer[..<got]
    }
    return result
}

/// A loopback TCP port nobody listens on right now.
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { _ = Glibc.close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    try #require(ok, "no free loopback port")
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`.
func waitForListener(port: Int, timeout: Duration = .seconds(45)) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        _ = Glibc.close(fd)
        if connected == 0 { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("nothing listened on port \(port) within \(timeout)")
}

/// A real `rigctld -m 1 -P RIG` (hamlib's dummy rig) on a free loopback port.
final class RigctldProcess: Sendable {
    let port: Int
    private let process: Process

    static let executable = "/usr/bin/rigctld"

    init(port: Int? = nil) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "rigctld is not installed (apt install libhamlib-utils)")
        self.port = try port ?? freeLoopbackPort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["-m", "1", "-P", "RIG", "-T", "127.0.0.1", "-t", String(self.port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await waitForListener(port: self.port)
        // Listening is not ready: a rigctld still opening its rig can close early clients.
        // Wait until it answers a real command.
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while ContinuousClock.now < deadline {
            let probe = try RigctldPTT(port: self.port, logger: quietLogger)
            let answered = (try? await probe.isKeyed()) != nil
            await probe.close()
            if answered { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Ends it (SIGKILL: rigctld 4.5 can ignore SIGTERM while a client thread lingers).
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// A scripted stand-in for rigctld: accepts connections and answers each received line with
/// the next scripted reply (nil: stay silent; `.close`: drop the connection).
final class FakeRigctld: Sendable {
    enum Reply: Sendable {
        case line(String)
        case silence
        case close
    }

    let port: Int
    private let listener: Int32
    private let state: Mutex<(replies: [Reply], received: [String])>

    init(replies: [Reply]) throws {
        state = Mutex((replies, []))
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        try #require(ok, "fake rigctld could not listen")
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    /// Lines received so far.
    var received: [String] { state.withLock { $0.received } }

    func stop() { shutdown(listener, Int32(SHUT_RDWR)) }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                _ = Glibc.close(listener)
                return
            }
            var pending: [UInt8] = []
            serving: while true {
                var byte: UInt8 = 0
                guard recv(client, &byte, 1, 0) == 1 else { break }
                guard byte == UInt8(ascii: "\n") else {
                    pending.append(byte)
                    continue
                }
                let line = String(decoding: pending, as: UTF8.self)
                pending = []
                let reply = state.withLock { state -> Reply in
                    state.received.append(line)
                    return state.replies.isEmpty ? .line("RPRT 0") : state.replies.removeFirst()
                }
                switch reply {
                case .line(let text):
                    let bytes = Array((text + "\n").utf8)
                    _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                case .silence:
                    continue
                case .close:
                    break serving
                }
            }
            _ = Glibc.close(client)
        }
    }
}

/// The built `parley-bench` beside the test bundle.
var parleyBenchBinary: String {
    let runner = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
    var directory = runner.deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("parley-bench").path), directory.path != "/" {
        directory = directory.deletingLastPathComponent()
    }
    return directory.appendingPathComponent("parley-bench").path
}
