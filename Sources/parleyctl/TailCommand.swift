import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ParleyControl
import ParleyCore

/// Options that select events, shared by `tail` and `events`.
struct EventCriteriaOptions: ParsableArguments {
    @Option(help: "Kind, or a dotted prefix of it (incident matches incident.opened).")
    var kind: String?

    @Option(help: "Source, or the part before a colon (channel matches channel:north).")
    var source: String?

    @Option(
        help: "At least this urgent: emergency, priority, routine or admin.",
        completion: .list(Priority.allCases.map(\.name)), transform: parsePriority)
    var priority: Priority?

    var criteria: ControlEventCriteria { ControlEventCriteria(kind: kind, source: source, priority: priority) }
}

func parsePriority(_ text: String) throws -> Priority {
    guard let priority = Priority(name: text) else {
        throw ValidationError("unknown priority '\(text)' — use emergency, priority, routine or admin")
    }
    return priority
}

struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow events as they are committed to the store (Ctrl-C to stop).",
        discussion: "Shows only what is on disk. Without --from, starts with the next event committed.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("from"), help: ArgumentHelp("Start with event SEQ (1 = the first ever).", valueName: "seq"))
    var from: Int64?

    @OptionGroup var filter: EventCriteriaOptions

    func validate() throws {
        if let from, from < 1 { throw ValidationError("--from must be 1 or more") }
    }

    func run() throws {
        let client = try global.connect()
        // Ctrl-C ends a tail normally (even if our parent started us with signals blocked);
        // lines are flushed as they are printed.
        signal(SIGINT) { _ in _exit(0) }
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &signals, nil)
        let json = global.json
        try client.call(TailArguments(afterSequence: from.map { $0 - 1 }, criteria: filter.criteria)) { message in
            if json {
                Output.json(message.body)
            } else {
                print(Output.eventLine(try message.decode(ControlEvent.self)))
                fflush(nil)
            }
        }
    }
}

struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Query stored events (the newest ones, unless --since or --after is given).")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("From this UTC time: 2026-11-23T17:54:31Z, 2026-11-23, or ms since 1970.", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Before this UTC time (same forms as --since).", valueName: "time"))
    var until: String?

    @Option(help: ArgumentHelp("After this sequence number.", valueName: "seq"))
    var after: Int64?

    @Option(help: ArgumentHelp("Only this incident (id or reference).", valueName: "incident"))
    var incident: String?

    @OptionGroup var filter: EventCriteriaOptions

    @Option(help: "At most this many events (1…10000).")
    var limit: Int64 = 100

    func run() throws {
        let arguments = EventsArguments(
            since: try since.map(Self.time), until: try until.map(Self.time), afterSequence: after, incident: incident,
            criteria: filter.criteria, limit: limit)
        let reply = try global.connect().call(arguments)
        if global.json { return Output.json(reply.body) }
        let result = try reply.decode(EventsResult.self)
        for event in result.events { print(Output.eventLine(event)) }
        if result.more {
            Output.standardError(
                arguments.oldestFirst
                    ? "(more events match: page on with --after \(result.events.last?.sequence ?? 0))\n"
                    : "(older events match too: raise --limit, or narrow with --since)\n")
        }
    }

    static func time(_ text: String) throws -> Int64 {
        if let millis = Int64(text) { return millis }
        guard let date = Timestamp.parse(text) else {
            throw ParleyctlError.usage("cannot read time '\(text)' — use 2026-11-23T17:54:31Z, 2026-11-23 or milliseconds")
        }
        return Timestamp.millis(date)
    }
}
