import Foundation
import Logging
import ParleyConfig
import ParleyCore
import ParleyRadio
import ParleyStore
import Testing

let quietLogger: Logger = {
    var logger = Logger(label: "parley.radio.test", factory: { _ in SwiftLogNoOpLogHandler() })
    logger.logLevel = .critical
    return logger
}()

/// A temporary state directory with an open store and a running writer.
final class RadioTestBed: Sendable {
    let directory: String
    let store: IncidentStore
    let writer: EventWriter
    private let writerTask: Task<Void, any Error>

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-radio-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try IncidentStore.open(path: directory + "/incidents.sqlite", options: StoreOptions(synchronous: .normal))
        let writer = try EventWriter(store: store, logger: quietLogger)
        self.writer = writer
        writerTask = Task { try await writer.run() }
    }

    func path(_ name: String) -> String { directory + "/" + name }
    var recordings: String { path("recordings") }

    func close() async {
        writer.beginShutdown()
        _ = try? await writerTask.value
        try? store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func events(kind: String, channel: String) throws -> [StoredEvent] {
        try store.events(matching: EventFilter(kind: kind, source: "channel:\(channel)"))
    }

    /// Runs `service` while `body` runs, then cancels it (as a failing service group would) and
    /// waits for it to finish: every test also exercises the stop path.
    func running<T: Sendable>(_ service: ChannelService, _ body: () async throws -> T) async throws -> T {
        let task = Task { try await service.run() }
        do {
            let result = try await body()
            task.cancel()
            try await task.value
            return result
        } catch {
            task.cancel()
            _ = try? await task.value
            throw error
        }
    }
}

/// Polls `condition` every 50 ms until it holds; fails the test after `limit` (generous: this
/// is a wait for work to happen, not a timing assertion).
func eventually(_ what: String, limit: Duration = .seconds(90), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: limit)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("timed out waiting for: \(what)")
    throw CancellationError()
}

/// Raw S16LE mono audio written to a file.
func writeRaw(_ samples: [Int16], to path: String) throws {
    let data = samples.withUnsafeBufferPointer { Data(buffer: $0) }
    try data.write(to: URL(fileURLWithPath: path))
}

func runProcess(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

extension StoredEvent {
    /// The payload parsed (events store canonical JSON text).
    var json: JSONValue { (try? JSONValue.parse(payload)) ?? .null }
}
