import ArgumentParser
import Foundation
import GRDB
import GRDBSQLite
import Logging
import ParleyCore
import ParleyStore
import Synchronization

/// `parley-bench store`: raw SQLite inserts vs Parley's hash-chained group-commit writer, and
/// submit-to-acknowledge latency at a paced rate, all in one run. The two throughput phases
/// alternate over several rounds (the load on a shared machine changes from second to second)
/// and are judged on their medians against issue 2's targets.
struct StoreBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Event store throughput (raw SQLite vs Parley's writer) and paced commit latency.")

    @Option(help: "Events written by each throughput phase.")
    var events: Int = 300_000

    @Option(help: "Events per transaction (raw) and the writer's batch_max_events.")
    var batch: Int = 1000

    @Option(help: "Concurrent producer tasks submitting to the writer.")
    var producers: Int = 4000

    @Option(help: "Events each producer submits per call (1: one append per event, acknowledged alone).")
    var submitBatch: Int = 1

    @Option(help: "Paced submission rate for the latency phase, events per second.")
    var rate: Int = 20_000

    @Option(help: "Length of the latency phase in seconds.")
    var seconds: Double = 5

    @Option(help: "SQLite synchronous mode: full or normal.")
    var synchronous: String = "full"

    @Option(help: "During (b), submit an emergency event every this many milliseconds and report their latency (0: none).")
    var emergencyEvery: Int = 10

    @Option(help: "Rounds of (a) then (b), each on fresh databases; the medians are reported.")
    var rounds: Int = 3

    @Option(help: "Directory for the scratch databases (default: a temporary directory).")
    var directory: String?

    func run() async throws {
        guard let sync = StoreOptions.Synchronous(rawValue: synchronous) else {
            throw ValidationError("--synchronous must be full or normal")
        }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        guard emergencyEvery >= 0 else { throw ValidationError("--emergency-every must be 0 (none) or more milliseconds") }
        let base = directory.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
        let dir = base.appendingPathComponent("parley-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var logger = Logger(label: "parley.bench")
        logger.logLevel = .warning

        print("parley-bench store: events=\(events) batch=\(batch) producers=\(producers) submit-batch=\(submitBatch) synchronous=\(synchronous) WAL rounds=\(rounds)")
        let payloads = (0..<events).map { index -> JSONValue in
            ["channel": "north", "level_db": .double(-12.5), "index": .int(Int64(index)), "talker": "2341"]
        }
        let rows = precomputedRows(payloads)

        // On a shared machine the load changes from one second to the next, so (a) and (b)
        // alternate, each round on fresh databases, and each round's ratio pairs the two phases
        // run back to back.
        var rawRates: [Double] = [], writerRates: [Double] = [], ratios: [Double] = []
        var verified: [ChainReport] = []
        var emergencyLatencies: [Double] = []
        var lastRound: (store: IncidentStore, writer: EventWriter, task: Task<Void, any Error>)?
        for round in 1...rounds {
            let roundDirectory = dir.appendingPathComponent("round-\(round)")
            try FileManager.default.createDirectory(at: roundDirectory, withIntermediateDirectories: true)

            // (a) Raw SQLite: the same rows (hashes precomputed), prepared INSERTs, one
            // transaction per batch.
            let rawPath = roundDirectory.appendingPathComponent("raw.sqlite").path
            try IncidentStore.open(path: rawPath, options: StoreOptions(synchronous: sync)).close()
            let rawUsage = ProcessUsage.now()
            let rawSeconds = try rawInsert(path: rawPath, rows: rows, sync: sync)
            let rawCPU = ProcessUsage.now().since(rawUsage, events: events)
            let rawRate = Double(events) / rawSeconds

            // (b) Parley's writer: concurrent producers, each event acknowledged after commit.
            let store = try IncidentStore.open(
                path: roundDirectory.appendingPathComponent("parley.sqlite").path, options: StoreOptions(synchronous: sync))
            let writer = try EventWriter(store: store, batchMaxEvents: batch, queueCapacity: max(batch * 4, producers * 2), logger: logger)
            let writerTask = Task { try await writer.run() }
            let writerUsage = ProcessUsage.now()
            let (writerSeconds, emergencies) = try await produce(into: writer, payloads: payloads)
            emergencyLatencies += emergencies
            let writerCPU = ProcessUsage.now().since(writerUsage, events: events)
            let writerRate = Double(events) / writerSeconds
            let stats = writer.statistics
            print(String(
                format: "round %d: (a) raw %.0f events/s (%.2f s; %@) | (b) writer %.0f events/s (%.2f s, %lld batches, mean %.0f events/batch; %@) | ratio %.2f",
                round, rawRate, rawSeconds, rawCPU, writerRate, writerSeconds, stats.committedBatches,
                Double(stats.committedEvents) / Double(max(stats.committedBatches, 1)), writerCPU, writerRate / rawRate))
            rawRates.append(rawRate)
            writerRates.append(writerRate)
            ratios.append(writerRate / rawRate)
            if round < rounds {
                writer.beginShutdown()
                try await writerTask.value
                verified.append(try ChainVerifier.verify(store))
                try store.close()
            } else {
                lastRound = (store, writer, writerTask)
            }
        }
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        func summary(_ values: [Double], _ format: String) -> String {
            String(format: format, median(values)) + "  (rounds: " + values.map { String(format: format, $0) }.joined(separator: ", ") + ")"
        }
        print("(a) raw SQLite prepared inserts:       median \(summary(rawRates, "%.0f")) events/s")
        print("(b) Parley writer (hash chain, acked): median \(summary(writerRates, "%.0f")) events/s")
        print("    ratio (b)/(a), median of rounds:   \(summary(ratios, "%.2f"))")
        if !emergencyLatencies.isEmpty {
            print("(d) emergencies during (b), one every \(emergencyEvery) ms behind its backlog: \(Latencies(emergencyLatencies))")
        }

        // (c) Latency at a paced rate: submit-to-acknowledge for every event, on the last
        // round's store.
        guard let (store, writer, writerTask) = lastRound else { return }
        let latencies = Latencies(try await pacedLatencies(writer: writer))
        print(String(format: "(c) paced %d events/s for %.0f s: ", rate, seconds) + "\(latencies)")

        writer.beginShutdown()
        try await writerTask.value
        verified.append(try ChainVerifier.verify(store))
        try store.close()
        let p99 = latencies.milliseconds(at: 0.99)
        let verdicts = [
            ("writer median ≥ 150,000 events/s", median(writerRates) >= 150_000),
            ("ratio median ≥ 0.70", median(ratios) >= 0.7),
            ("p99 ≤ 5 ms", p99 <= 5),
        ]
        print("targets (issue 2, at the defaults): " + verdicts.map { "\($0.0) — \($0.1 ? "met" : "MISSED")" }.joined(separator: "; "))
        let broken = verified.enumerated().filter { !$0.element.intact }
        if broken.isEmpty {
            print("    chain verified: intact in every round, \(verified.map { String($0.checked) }.joined(separator: ", ")) events")
        } else {
            for (index, report) in broken {
                print("    chain verified: BROKEN in round \(index + 1) at \(report.firstBadSequence ?? -1): \(report.problem ?? "")")
            }
            throw ExitCode.failure
        }
    }

    /// Phase (b)'s producers: `producers` tasks submit all the events; returns the wall time
    /// until the last acknowledgement. Meanwhile (unless `emergencyEvery` is 0) a task of high
    /// priority submits an emergency event every `emergencyEvery` ms, as a radio's emergency
    /// alarm arrives in a busy hour; their submit-to-acknowledge latencies are returned too.
    private func produce(into writer: EventWriter, payloads: [JSONValue]) async throws -> (Double, [Double]) {
        let producerCount = producers
        let total = events
        let perCall = submitBatch
        let producing = Atomic<Bool>(true)
        let every = emergencyEvery
        let prober = Task(priority: .high) { () throws -> [Double] in
            guard every > 0 else { return [] }
            let clock = ContinuousClock()
            var latencies: [Double] = []
            while producing.load(ordering: .relaxed) {
                try await clock.sleep(for: .milliseconds(every))
                let sent = clock.now
                try await writer.append(
                    EventDraft(priority: .emergency, kind: "radio.emergency", source: "channel:north", payload: ["probe": .int(Int64(latencies.count))]))
                latencies.append((clock.now - sent).inSeconds)
            }
            return latencies
        }
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<producerCount {
                group.addTask {
                    var index = producer * perCall
                    while index < total {
                        if perCall == 1 {
                            try await writer.append(
                                EventDraft(priority: .routine, kind: "radio.transmission", source: "channel:north", payload: payloads[index]))
                        } else {
                            let drafts = (index..<min(index + perCall, total)).map {
                                EventDraft(priority: .routine, kind: "radio.transmission", source: "channel:north", payload: payloads[$0])
                            }
                            try await writer.append(contentsOf: drafts)
                        }
                        index += producerCount * perCall
                    }
                }
            }
            try await group.waitForAll()
        }
        let seconds = (ContinuousClock.now - start).inSeconds
        producing.store(false, ordering: .relaxed)
        return (seconds, try await prober.value)
    }

    private func pacedLatencies(writer: EventWriter) async throws -> [Double] {
        let clock = ContinuousClock()
        let total = Int(Double(rate) * seconds)
        let tickEvents = max(1, rate / 1000)  // submit a slice every millisecond
        let interval = Duration.seconds(Double(tickEvents) / Double(rate))
        let begin = clock.now
        return try await withThrowingTaskGroup(of: Double.self) { group in
            var submitted = 0
            var tick = 0
            while submitted < total {
                let due = begin + interval * tick
                if due > clock.now { try await clock.sleep(until: due, tolerance: .microseconds(50)) }
                for _ in 0..<min(tickEvents, total - submitted) {
                    let index = submitted
                    group.addTask {
                        let sent = clock.now
                        try await writer.append(
                            EventDraft(priority: .routine, kind: "bench.paced", source: "system", payload: ["i": .int(Int64(index))]))
                        return (clock.now - sent).inSeconds
                    }
                    submitted += 1
                }
                tick += 1
            }
            return try await group.reduce(into: [Double]()) { $0.append($1) }
        }
    }

    /// Submit-to-acknowledge latencies of one phase, summarised as the bench prints them.
    private struct Latencies: CustomStringConvertible {
        private let sorted: [Double]

        init(_ seconds: [Double]) { sorted = seconds.sorted() }

        /// The latency at `fraction` of the way through the sorted samples, in milliseconds.
        func milliseconds(at fraction: Double) -> Double {
            sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))] * 1000
        }

        var description: String {
            String(format: "%d events, p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                   sorted.count, milliseconds(at: 0.5), milliseconds(at: 0.99), (sorted.last ?? 0) * 1000)
        }
    }

    private struct Row {
        var sequence: Int64
        var payload: String
        var previousHash: String
        var hash: String
    }

    private func precomputedRows(_ payloads: [JSONValue]) -> [Row] {
        var previous = ChainHead.genesis.hash
        let now = Timestamp.millis(Date())
        return payloads.enumerated().map { index, payload in
            let text = payload.canonicalString
            let hash = EventChain.hash(
                sequence: Int64(index + 1), timestampMillis: now, priority: .routine, kind: "radio.transmission",
                source: "channel:north", incidentID: nil, payload: text, previousHash: previous)
            defer { previous = hash }
            return Row(sequence: Int64(index + 1), payload: text, previousHash: previous, hash: hash)
        }
    }

    private func rawInsert(path: String, rows: [Row], sync: StoreOptions.Synchronous) throws -> Double {
        let pool = try DatabasePool(path: path)
        // The same durability as the writer's: set on the pool's writing connection and read back.
        try IncidentStore.applySynchronous(sync, to: pool, path: path)
        let now = Timestamp.millis(Date())
        let start = ContinuousClock.now
        var offset = 0
        while offset < rows.count {
            let slice = rows[offset..<min(offset + batch, rows.count)]
            try pool.write { db in
                // The plainest way to insert with SQLite: one prepared statement, every column bound
                // through the C API, exactly the values the writer stores.
                var statement: OpaquePointer?
                sqlite3_prepare_v2(
                    db.sqliteConnection, """
                        INSERT INTO events (sequence, recorded_at, priority, kind, source, incident_id, payload, previous_hash, hash)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, -1, &statement, nil)
                defer { sqlite3_finalize(statement) }
                let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
                for row in slice {
                    sqlite3_reset(statement)
                    sqlite3_bind_int64(statement, 1, row.sequence)
                    sqlite3_bind_int64(statement, 2, now)
                    sqlite3_bind_text(statement, 3, "routine", -1, transient)
                    sqlite3_bind_text(statement, 4, "radio.transmission", -1, transient)
                    sqlite3_bind_text(statement, 5, "channel:north", -1, transient)
                    sqlite3_bind_null(statement, 6)
                    sqlite3_bind_text(statement, 7, row.payload, -1, transient)
                    sqlite3_bind_text(statement, 8, row.previousHash, -1, transient)
                    sqlite3_bind_text(statement, 9, row.hash, -1, transient)
                    guard sqlite3_step(statement) == SQLITE_DONE else {
                        throw DatabaseError(message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                    }
                }
            }
            offset += batch
        }
        let elapsed = (ContinuousClock.now - start).inSeconds
        try pool.close()
        return elapsed
    }
}
