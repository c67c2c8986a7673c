import Foundation
import Logging
import ParleyCore
import Testing

@testable import ParleyStore

/// A store in a fresh temporary directory, removed at the end.
struct TemporaryStore {
    let directory: URL
    let path: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("incidents.sqlite").path
    }

    func open(_ options: StoreOptions = StoreOptions(synchronous: .normal)) throws -> IncidentStore {
        try IncidentStore.open(path: path, options: options)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

extension Logger {
    static let quiet: Logger = {
        var logger = Logger(label: "parley.test")
        logger.logLevel = .critical
        return logger
    }()
}

/// Runs `body` while `writer.run()` runs; shuts the writer down (flushing) afterwards.
func withRunningWriter<T: Sendable>(_ writer: EventWriter, _ body: () async throws -> T) async throws -> T {
    let task = Task { try await writer.run() }
    do {
        let result = try await body()
        writer.beginShutdown()
        try await task.value
        return result
    } catch {
        writer.beginShutdown()
        _ = try? await task.value
        throw error
    }
}

/// The size in bytes of the file at `path`.
func fileSize(_ path: String) throws -> Int {
    try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
}

func draft(_ index: Int, priority: Priority = .routine, kind: EventKind = "test.event") -> EventDraft {
    EventDraft(priority: priority, kind: kind, source: "channel:test", payload: ["index": .int(Int64(index))])
}

/// Runs the sqlite3 CLI on a database file (the tamper tests use it as an attacker would).
@discardableResult
func sqlite3(_ path: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path, sql]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw StoreError.writeFailed("sqlite3 failed: \(text)")
    }
    return text
}
