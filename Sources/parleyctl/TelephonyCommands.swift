import ArgumentParser
import ParleyControl
import ParleyCore

struct LinesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lines", abstract: "Show the telephone lines, their state and the call on each.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let reply = try global.connect().call(LinesArguments())
        if global.json { return Output.json(reply.body) }
        let lines = try reply.decode(LinesResult.self).lines
        guard !lines.isEmpty else {
            print("no telephone lines are configured")
            return
        }
        Output.table(
            ["LINE", "NAME", "SERVICE", "PRIORITY", "KIND", "STATE", "CALL", "BAD INPUT"],
            lines.map { line in
                let state = line.reason.map { "\(line.state): \($0)" } ?? line.state
                return [
                    line.id, line.name, line.service, line.priority, line.kind, state.replacingNewlines(),
                    line.call.map(String.init) ?? "-", String(line.badInput),
                ]
            })
    }
}

struct CallsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calls",
        abstract: "Show the call queue in order of service, then the calls being handled.",
        discussion: """
            # is the position in the queue (emergency first, then priority, then waiting time); calls \
            being handled have none. WAITING is how long a queued call has waited (mm:ss).
            """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let reply = try global.connect().call(CallsArguments())
        if global.json { return Output.json(reply.body) }
        let calls = try reply.decode(CallsResult.self)
        guard !calls.queue.isEmpty || !calls.active.isEmpty else {
            print("no calls")
            return
        }
        let queued = calls.queue.enumerated().map { position, call in CallOutput.row(call, position: position + 1) }
        Output.table(CallOutput.header, queued + calls.active.map { CallOutput.row($0, position: nil) })
    }
}

struct AnswerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answer",
        abstract: "Answer a call, or the head of the queue when none is given (dispatcher).",
        discussion: "Answering a held call resumes it. Answering while you have a call puts that one on hold.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The call's id (parleyctl calls lists them); the head of the queue when left out.")
    var call: Int64?

    func validate() throws { _ = try checked(AnswerArguments(call: call)) }

    func run() throws {
        let reply = try global.connect().call(AnswerArguments(call: call))
        if global.json { return Output.json(reply.body) }
        let result = try reply.decode(CallResult.self)
        var line = "answered \(CallOutput.describe(result.call))"
        if let preempted = result.preempted { line += "; call \(preempted) put on hold" }
        print(line)
    }
}

struct HoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold",
        abstract: "Put an answered call on hold (dispatcher); parleyctl answer CALL resumes it.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The call's id.")
    var call: Int64

    func validate() throws { _ = try checked(HoldArguments(call: call)) }

    func run() throws {
        let reply = try global.connect().call(HoldArguments(call: call))
        if global.json { return Output.json(reply.body) }
        let result = try reply.decode(CallResult.self)
        print("call \(result.call.id) \(result.call.state == "held" ? "on hold" : result.call.state)")
    }
}

struct HangUpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hangup", abstract: "End a call from our side (dispatcher).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The call's id.")
    var call: Int64

    func validate() throws { _ = try checked(HangUpArguments(call: call)) }

    func run() throws {
        let reply = try global.connect().call(HangUpArguments(call: call))
        if global.json { return Output.json(reply.body) }
        let result = try reply.decode(CallResult.self)
        print("call \(result.call.id) \(result.call.state)" + (result.call.endReason.map { " (\($0))" } ?? ""))
    }
}

struct TransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Hand a call on to another agency (dispatcher).",
        discussion: """
            blind dials and leaves; attended lets you speak first and hand over by hanging up; conference \
            keeps everyone on; relay brings in a relay service. The handoff is stored with the incident. \
            A handoff that fails exits 1 with the reason.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The call's id.")
    var call: Int64

    @Argument(help: "The number to dial: digits, *, #, + and , (a pause).")
    var number: String

    @Option(
        name: .customLong("type"),
        help: ArgumentHelp("blind, attended, conference or relay.", valueName: "type"),
        completion: .list(TransferType.allCases.map(\.rawValue)), transform: parseTransferType)
    var type: TransferType

    @Option(help: ArgumentHelp("Who the call goes to (Ambulance, Fire control, …).", valueName: "agency"))
    var toAgency: String

    @Option(help: ArgumentHelp("The person the call goes to.", valueName: "name"))
    var toPerson: String?

    @Option(name: .customLong("partner-ref"), help: ArgumentHelp("The other agency's reference.", valueName: "ref"))
    var partnerReference: String?

    @Option(name: .customLong("own-ref"), help: ArgumentHelp("Our reference as given to them.", valueName: "ref"))
    var ownReference: String?

    private var arguments: TransferArguments {
        TransferArguments(
            call: call,
            TransferRequest(
                type: type, number: number, toAgency: toAgency, toPerson: toPerson, partnerReference: partnerReference,
                ownReference: ownReference))
    }

    func validate() throws { _ = try checked(arguments) }

    func run() throws {
        let reply = try global.connect().call(arguments)
        if global.json { Output.json(reply.body) }
        let result = try reply.decode(HandoffResult.self)
        guard result.outcome != "failed" else {
            throw ParleyctlError.declined(
                "transfer of call \(result.call) to \(result.toAgency) (\(result.number)) failed: "
                    + (result.detail ?? "no reason given"))
        }
        if global.json { return }
        var target = result.toAgency
        if let person = result.toPerson { target = "\(person), \(target)" }
        print("handoff \(result.handoff): \(result.type) transfer of call \(result.call) to \(target) (\(result.number)) \(result.outcome)")
    }
}

struct TextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Send a deaf-text message on a call, on its medium (TTY, V.21 or SMS) (dispatcher).",
        discussion: "Quote the message; it may be up to 1000 characters and contain newlines.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The call's id.")
    var call: Int64

    @Argument(help: "The message.")
    var message: String

    func validate() throws { _ = try checked(TextArguments(call: call, text: message)) }

    func run() throws {
        let reply = try global.connect().call(TextArguments(call: call, text: message))
        if global.json { return Output.json(reply.body) }
        let result = try reply.decode(TextResult.self)
        print("sent message \(result.message) on call \(result.call) (\(result.medium))")
    }
}

struct AttachCallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach-call",
        abstract: "Link a call, its messages and recording to an open incident, or with --none to none (dispatcher).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The call's id.")
    var call: Int64

    @Argument(help: "The incident's reference (PLY-20261123-0001) or id.")
    var incident: String?

    @Flag(name: [.customLong("none"), .customLong("detach")], help: "Detach the call from its incident.")
    var none = false

    func validate() throws {
        if none == (incident != nil) {
            throw ValidationError("give an incident, or --none to detach")
        }
        _ = try checked(CallAttachArguments(call: call, incident: incident))
    }

    func run() throws {
        let reply = try global.connect().call(CallAttachArguments(call: call, incident: none ? nil : incident))
        if global.json { return Output.json(reply.body) }
        let call = try reply.decode(CallResult.self).call
        print(call.incident.map { "call \(call.id) attached to \($0)" } ?? "call \(call.id) detached")
    }
}

/// Human-readable telephony output.
enum CallOutput {
    static let header = [
        "#", "CALL", "PRIORITY", "SERVICE", "LINE", "CLI", "CALLER", "WAITING", "STATE", "ANSWERED BY", "INCIDENT",
    ]

    /// One row of the `calls` table; `position` in the queue, nil for a call being handled.
    static func row(_ call: CallSummaryResult, position: Int?) -> [String] {
        [
            position.map(String.init) ?? "-", String(call.id), call.priority, call.service, call.line,
            number(call), call.callerName?.replacingNewlines() ?? "-", call.waitingSeconds.map(minutesSeconds) ?? "-",
            call.state, call.answeredBy ?? "-", call.incident ?? "-",
        ]
    }

    /// The caller's number, why there is none (`withheld`, `unavailable`), or `-`.
    static func number(_ call: CallSummaryResult) -> String {
        (call.cli ?? call.cliAbsence ?? "-").replacingNewlines()
    }

    /// `call 12 — 999 emergency on line 999-a from 07700900123 (J SMITH)`.
    static func describe(_ call: CallSummaryResult) -> String {
        var text = "call \(call.id) — \(call.service) \(call.priority) on line \(call.line) from "
        text += call.cli ?? call.cliAbsence.map { "a \($0) number" } ?? "an unknown number"
        if let name = call.callerName { text += " (\(name))" }
        return text.replacingNewlines()
    }

    /// `02:05`; minutes go past 59 (`75:00`).
    static func minutesSeconds(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "-" }
        let whole = Int(min(max(seconds, 0), 1e9).rounded(.down))
        let (minutes, rest) = whole.quotientAndRemainder(dividingBy: 60)
        return (minutes < 10 ? "0" : "") + "\(minutes):" + (rest < 10 ? "0" : "") + "\(rest)"
    }
}

/// `arguments` checked by the daemon's own reader, so that input it would refuse is a usage
/// error (exit 2) worded as the daemon would word it.
func checked<A: ControlCommandArguments>(_ arguments: A) throws -> A {
    var reader = ControlArgumentReader(command: A.command.rawValue, arguments: arguments.json)
    do {
        _ = try A(from: &reader)
        try reader.finish()
    } catch let error as ControlError {
        throw ValidationError(error.message)
    }
    return arguments
}

func parseTransferType(_ text: String) throws -> TransferType {
    guard let type = TransferType(rawValue: text) else {
        throw ValidationError("unknown transfer type '\(text)' — use blind, attended, conference or relay")
    }
    return type
}
