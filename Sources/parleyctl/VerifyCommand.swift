import ArgumentParser
import ParleyControl
import ParleyCore
import ParleyStore

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the event log's hash chain for edits, gaps and truncation.",
        discussion: """
            Online (through parleyd) by default; with --database, reads the SQLite file directly, \
            read-only, with no daemon needed. Exits 0 when the chain is intact, 1 when it is broken.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(
        name: .customLong("expect-head"),
        help: ArgumentHelp("A sequence number known to have been written; a log ending before it is reported truncated.", valueName: "seq"))
    var expectHead: Int64?

    @Option(help: ArgumentHelp("Verify this store file offline instead.", valueName: "file"), completion: .file())
    var database: String?

    func run() throws {
        let report: ControlChainReport
        if let database {
            report = try offline(database)
        } else {
            let reply = try global.connect().call(VerifyArguments(expectedHead: expectHead)) { message in
                if let step = try? message.decode(VerifyProgress.self) {
                    Output.progress("verifying: \(step.checked)/\(step.total) events (\(Output.percent(step.checked, of: step.total)))")
                }
            }
            Output.endProgress()
            report = try reply.decode(ControlChainReport.self)
        }
        if global.json {
            Output.json(ControlReport.json(report))
        } else if report.intact {
            print("intact: \(report.checked) events checked, last event \(report.lastGoodSequence)")
        } else {
            print("BROKEN at event \(report.firstBadSequence ?? 0): \(report.problem ?? "unknown problem")")
            print("  events before it are intact (last good event \(report.lastGoodSequence), \(report.checked) checked)")
        }
        if !report.intact { throw ParleyctlError.chainBroken }
    }

    private func offline(_ path: String) throws -> ControlChainReport {
        let store: IncidentStore
        do {
            store = try IncidentStore.open(path: path, options: StoreOptions(readOnly: true))
        } catch {
            throw ParleyctlError.usage("\(error)")
        }
        defer { try? store.close() }
        let report: ChainReport
        do {
            report = try ChainVerifier.verify(store, expectedHead: expectHead) { checked, total in
                Output.progress("verifying: \(checked)/\(total) events (\(Output.percent(checked, of: total)))")
            }
        } catch {
            Output.endProgress()
            throw ParleyctlError.usage("cannot read \(path): \(error)")
        }
        Output.endProgress()
        return ControlChainReport(
            intact: report.intact, checked: report.checked, lastGoodSequence: report.lastGoodSequence,
            firstBadSequence: report.firstBadSequence, problem: report.problem)
    }
}

/// The report as the daemon would send it, so that `--json` output is the same online and offline.
enum ControlReport {
    static func json(_ report: ControlChainReport) -> JSONValue {
        var object: [String: JSONValue] = [
            "intact": .bool(report.intact), "checked": .int(report.checked),
            "last_good_sequence": .int(report.lastGoodSequence),
        ]
        object["first_bad_sequence"] = report.firstBadSequence.map { .int($0) } ?? .null
        object["problem"] = report.problem.map { .string($0) } ?? .null
        return .object(object)
    }
}
