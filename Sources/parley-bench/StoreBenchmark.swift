import ArgumentParser
import Foundation
import GRDB
import GRDBSQLite
import Logging
import ParleyCore
import ParleyStore

/// `parley-bench store`: raw SQLite inserts vs Parley's hash-chained group-commit writer, and
/// submit-to-acknowledge latency at a paced rate — all in one run, on the same machine state.
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

    @Option(help: "Directory for the scratch databases (default: a temporary directory).")
    var directory: String?

    func run() async throws {
        guard let sync = StoreOptions.Synchronous(rawValue: synchronous) else {
            throw ValidationError("--synchronous must be full or normal")
        }
        let base = directory.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
        let dir = base.appendingPathComponent("parley-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var logger = Logger(label: "parley.bench")
        logger.logLevel = .warning

        print("parley-bench store: events=\(events) batch=\(batch) producers=\(producers) submit-batch=\(submitBatch) synchronous=\(synchronous) WAL")
        let payloads = (0..<events).map { index -> JSONValue in
            ["channel": "north", "level_db": .double(-12.5), "index": .int(Int64(index)), "talker": "2341"]
        }

        // (a) Raw SQLite: the same rows (hashes precomputed), prepared INSERTs, one transaction per batch.
        let rawStore = try IncidentStore.open(path: dir.appendingPathComponent("raw.sqlite").path, options: StoreOptions(synchronous: sync))
        try rawStore.close()
        let rows = precomputedRows(payloads)
        let rawUsage = ProcessUsage.now()
        let rawSeconds = try rawInsert(path: dir.appendingPathComponent("raw.sqlite").path, rows: rows, sync: sync)
        let rawRate = Double(events) / rawSeconds
        print(String(format: "(a) raw SQLite prepared inserts:      %10.0f events/s  (%.2f s; %@)",
                     rawRate, rawSeconds, ProcessUsage.now().since(rawUsage, events: events)))

        // (b) Parley's writer: concurrent producers, each event acknowledged after commit.
        let store = try IncidentStore.open(path: dir.appendingPathComponent("parley.sqlite").path, options: StoreOptions(synchronous: sync))
        let writer = try EventWriter(store: store, batchMaxEvents: batch, queueCapacity: max(batch * 4, producers * 2), logger: logger)
        let writerTask = Task { try await writer.run() }
        let producerCount = producers
        let total = events
        let writerUsage = ProcessUsage.now()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            let perCall = submitBatch
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
        let writerSeconds = (ContinuousClock.now - start).inSeconds
        let writerRate = Double(events) / writerSeconds
        let stats = writer.statistics
        let writerCPU = ProcessUsage.now().since(writerUsage, events: events)
        print(String(format: "(b) Parley writer (hash chain, acked): %10.0f events/s  (%.2f s, %lld batches, mean %.0f events/batch; %@)",
                     writerRate, writerSeconds, stats.committedBatches, Double(stats.committedEvents) / Double(max(stats.committedBatches, 1)), writerCPU))
        print(String(format: "    ratio (b)/(a):                    %10.2f", writerRate / rawRate))

        // (c) Latency at a paced rate: submit-to-acknowledge for every event.
        let latencies = try await pacedLatencies(writer: writer)
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
        print(String(format: "(c) paced %d events/s for %.0f s: %d events, p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                     rate, seconds, sorted.count, percentile(0.5), percentile(0.99), (sorted.last ?? 0) * 1000))

        writer.beginShutdown()
        try await writerTask.value
        let report = try ChainVerifier.verify(store)
        print("    chain verified: \(report.intact ? "intact" : "BROKEN at \(report.firstBadSequence ?? -1)"), \(report.checked) events")
        try store.close()
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
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = \(sync == .full ? "FULL" : "NORMAL")") }
        let pool = try DatabasePool(path: path, configuration: configuration)
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
