import Foundation
import ParleyCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One acknowledged `incidents.open`: the daemon said it committed these events.
struct Acknowledgement: Sendable, Hashable {
    var reference: String
    /// The event sequences of the change; the first is `incident.opened`.
    var sequences: [Int64]
}

/// Submits `incidents.open` as fast as it can over several connections, each pipelining a
/// window of requests, and records every acknowledged (reference, sequences). Each connection
/// runs on a thread of its own and ends when the daemon goes away.
final class LoadGenerator: Sendable {
    private let acknowledged = Mutex<[Acknowledgement]>([])
    private let problems = Mutex<[String]>([])
    private let stopped = Atomic<Bool>(false)
    private let running = Atomic<Int>(0)

    /// Starts `connections` threads against `socket`; each keeps `window` requests in flight.
    init(socket: String, connections: Int = 4, window: Int = 8, tag: String) {
        for connection in 0..<connections {
            running.add(1, ordering: .sequentiallyConsistent)
            let thread = Thread { [self] in
                defer { running.subtract(1, ordering: .sequentiallyConsistent) }
                drive(socket: socket, window: window, label: "\(tag)-c\(connection)")
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func drive(socket: String, window: Int, label: String) {
        // The daemon may still be starting: retry the connection until stopped.
        var connection: ControlConnection?
        while connection == nil {
            if stopped.load(ordering: .acquiring) { return }
            connection = try? ControlConnection(path: socket)
            if connection == nil { usleep(5_000) }
        }
        guard let connection else { return }
        defer { connection.close() }
        var submitted = 0
        var inFlight = 0
        do {
            while true {
                while inFlight < window && !stopped.load(ordering: .acquiring) {
                    let grade = Int64(submitted % 4 + 1)
                    try connection.submit("incidents.open", openArguments(summary: "\(label) #\(submitted)", grade: grade))
                    submitted += 1
                    inFlight += 1
                }
                if inFlight == 0 { return }
                guard let reply = try connection.response(timeout: .seconds(60)) else { return }  // daemon gone
                inFlight -= 1
                if reply.isOK {
                    guard let reference = reply.at("result", "incident", "reference")?.stringValue,
                        let sequences = reply.at("result", "sequences")?.arrayValue?.compactMap(\.intValue),
                        !sequences.isEmpty
                    else {
                        problems.withLock { $0.append("acknowledgement without reference or sequences: \(reply)") }
                        continue
                    }
                    acknowledged.withLock { $0.append(Acknowledgement(reference: reference, sequences: sequences)) }
                } else if reply.errorCode != "shutting_down" {
                    problems.withLock { $0.append("\(label): \(reply)") }
                }
            }
        } catch {
            // A send or read failing because the daemon was killed ends this connection; that
            // is the point of the test. Anything acknowledged before is already recorded.
        }
    }

    /// Stops submitting and waits until every connection thread has ended.
    func stop() async throws {
        stopped.store(true, ordering: .releasing)
        try await eventually("load connections to end", timeout: .seconds(120), every: .milliseconds(5)) {
            running.load(ordering: .sequentiallyConsistent) == 0 ? true : nil
        }
    }

    var acknowledgements: [Acknowledgement] { acknowledged.withLock { $0 } }
    /// Error responses other than `shutting_down`: there should be none.
    var unexpectedResponses: [String] { problems.withLock { $0 } }
}
