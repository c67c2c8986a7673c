import Foundation
import Logging
import ParleyCore
import ParleyStore
import ParleyTelephony

/// A store in a fresh temporary directory with its writer running; removed by `close()`.
final class TelephonyTestStore: Sendable {
    let directory: URL
    let store: IncidentStore
    let writer: EventWriter
    private let task: Task<Void, any Error>

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-telephony-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try IncidentStore.open(path: directory.appendingPathComponent("incidents.sqlite").path, options: StoreOptions(synchronous: .normal))
        writer = try EventWriter(store: store, logger: .quiet)
        let writer = writer
        task = Task { try await writer.run() }
    }

    func close() async {
        writer.beginShutdown()
        _ = try? await task.value
        try? store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    func eventKinds() throws -> [String] {
        try store.events(matching: EventFilter()).map(\.kind.rawValue)
    }
}

extension Logger {
    static let quiet: Logger = {
        var logger = Logger(label: "parley.test")
        logger.logLevel = .critical
        return logger
    }()
}

/// A stand-in for a line's modem driver, recording what the switchboard asked. The real
/// drivers are tested over ptys in ParleyDevicesTests; this isolates the switchboard's rules.
actor StandInLine: TelephoneLine {
    enum Request: Equatable {
        case answer, hangUp, transfer(String, blind: Bool), text(String, TextMedium, String?)
    }

    private(set) var requests: [Request] = []
    var failNext: LineError?

    func failNextRequest(_ error: LineError) { failNext = error }

    func answer() async throws(LineError) {
        requests.append(.answer)
        if let error = failNext { failNext = nil; throw error }
    }

    func hangUp() async { requests.append(.hangUp) }

    func transfer(to number: String, blind: Bool) async throws(LineError) {
        requests.append(.transfer(number, blind: blind))
        if let error = failNext { failNext = nil; throw error }
    }

    func sendText(_ text: String, medium: TextMedium, recipient: String?) async throws(LineError) -> SentText {
        requests.append(.text(text, medium, recipient))
        if let error = failNext { failNext = nil; throw error }
        return SentText(medium: medium, raw: "raw:" + text, text: text)
    }
}

/// A wall clock the test sets.
final class SetClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var date: Date
    init(_ date: Date) { self.date = date }
    func now() -> Date { lock.withLock { date } }
    func advance(_ seconds: Double) { lock.withLock { date = date.addingTimeInterval(seconds) } }
    func set(_ newDate: Date) { lock.withLock { date = newDate } }
}
