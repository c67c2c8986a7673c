import ParleyCore

/// A command's wire name (`"cmd"`): dotted for groups (`incidents.open`).
public struct ControlCommand: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let hello = ControlCommand(rawValue: "hello")
    public static let status = ControlCommand(rawValue: "status")
    public static let tail = ControlCommand(rawValue: "tail")
    public static let events = ControlCommand(rawValue: "events")
    public static let audit = ControlCommand(rawValue: "audit")
    public static let verify = ControlCommand(rawValue: "verify")
    public static let incidentsList = ControlCommand(rawValue: "incidents.list")
    public static let incidentsShow = ControlCommand(rawValue: "incidents.show")
    public static let incidentsOpen = ControlCommand(rawValue: "incidents.open")
    public static let incidentsGrade = ControlCommand(rawValue: "incidents.grade")
    public static let incidentsAssess = ControlCommand(rawValue: "incidents.assess")
    public static let incidentsCategorise = ControlCommand(rawValue: "incidents.categorise")
    public static let incidentsClose = ControlCommand(rawValue: "incidents.close")
    public static let channels = ControlCommand(rawValue: "channels")
    public static let key = ControlCommand(rawValue: "key")
    public static let unkey = ControlCommand(rawValue: "unkey")
    public static let recall = ControlCommand(rawValue: "recall")
    public static let recallPlay = ControlCommand(rawValue: "recall.play")
    public static let recallExport = ControlCommand(rawValue: "recall.export")
    public static let channelsAttach = ControlCommand(rawValue: "channels.attach")
    public static let lines = ControlCommand(rawValue: "lines")
    public static let calls = ControlCommand(rawValue: "calls")
    public static let answer = ControlCommand(rawValue: "answer")
    public static let hold = ControlCommand(rawValue: "hold")
    public static let hangup = ControlCommand(rawValue: "hangup")
    public static let transfer = ControlCommand(rawValue: "transfer")
    public static let text = ControlCommand(rawValue: "text")
    public static let callsAttach = ControlCommand(rawValue: "calls.attach")
    public static let units = ControlCommand(rawValue: "units")
    public static let emergencies = ControlCommand(rawValue: "emergencies")
    public static let ack = ControlCommand(rawValue: "ack")
    public static let sds = ControlCommand(rawValue: "sds")
    public static let reload = ControlCommand(rawValue: "reload")
}

/// One command's rules: who may run it, whether it streams, and how its arguments are read.
public struct ControlCommandSpec: Sendable {
    public let command: ControlCommand
    /// Peers below this role are refused with `forbidden`.
    public let minimumRole: Role
    /// Non-nil for commands that send stream messages before their response.
    public let stream: ControlStreamKind?
    /// One line for help texts and the protocol reference.
    public let summary: String
    let read: @Sendable (inout ControlArgumentReader) throws -> ControlRequest.Arguments

    /// - Parameter wrap: the `ControlRequest.Arguments` case for `A`.
    public init<A: ControlCommandArguments>(
        _ type: A.Type, minimumRole: Role, stream: ControlStreamKind? = nil, summary: String,
        wrap: @escaping @Sendable (A) -> ControlRequest.Arguments
    ) {
        self.command = A.command
        self.minimumRole = minimumRole
        self.stream = stream
        self.summary = summary
        self.read = { reader in wrap(try A(from: &reader)) }
    }
}

/// The commands a protocol version offers. Adding a command (`answer`, `transfer`, …)
/// means: an arguments type, a `ControlRequest.Arguments` case, a row here, and a handler in
/// the server.
public struct ControlCommandTable: Sendable {
    public let specs: [ControlCommandSpec]
    private let index: [String: Int]

    public init(_ specs: [ControlCommandSpec]) {
        self.specs = specs
        var index: [String: Int] = [:]
        for (position, spec) in specs.enumerated() {
            precondition(index[spec.command.rawValue] == nil, "command \(spec.command) listed twice")
            index[spec.command.rawValue] = position
        }
        self.index = index
    }

    public subscript(name: String) -> ControlCommandSpec? {
        index[name].map { specs[$0] }
    }

    public subscript(command: ControlCommand) -> ControlCommandSpec? { self[command.rawValue] }

    /// The commands a peer with `role` may run, in table order.
    public func commands(allowedFor role: Role) -> [ControlCommand] {
        specs.filter { role >= $0.minimumRole }.map(\.command)
    }

    public var names: [String] { specs.map(\.command.rawValue) }

    public static let v1 = ControlCommandTable([
        ControlCommandSpec(
            HelloArguments.self, minimumRole: .engineer, summary: "protocol and daemon version, and your role",
            wrap: { .hello($0) }),
        ControlCommandSpec(
            StatusArguments.self, minimumRole: .engineer, summary: "daemon, writer and store status",
            wrap: { _ in .status }),
        ControlCommandSpec(
            TailArguments.self, minimumRole: .engineer, stream: .event, summary: "follow committed events live",
            wrap: { .tail($0) }),
        ControlCommandSpec(
            EventsArguments.self, minimumRole: .engineer, summary: "query stored events", wrap: { .events($0) }),
        ControlCommandSpec(
            AuditArguments.self, minimumRole: .engineer, summary: "the newest control-command audit rows",
            wrap: { .audit($0) }),
        ControlCommandSpec(
            VerifyArguments.self, minimumRole: .engineer, stream: .progress,
            summary: "check the event log's hash chain", wrap: { .verify($0) }),
        ControlCommandSpec(
            IncidentsListArguments.self, minimumRole: .engineer, summary: "list incidents, newest first",
            wrap: { .incidentsList($0) }),
        ControlCommandSpec(
            IncidentShowArguments.self, minimumRole: .engineer, summary: "one incident with its history",
            wrap: { .incidentsShow($0) }),
        ControlCommandSpec(
            IncidentOpenArguments.self, minimumRole: .dispatcher, summary: "open an incident",
            wrap: { .incidentsOpen($0) }),
        ControlCommandSpec(
            IncidentGradeArguments.self, minimumRole: .dispatcher, summary: "change an open incident's grade",
            wrap: { .incidentsGrade($0) }),
        ControlCommandSpec(
            IncidentAssessArguments.self, minimumRole: .dispatcher, summary: "record a THRIVE assessment",
            wrap: { .incidentsAssess($0) }),
        ControlCommandSpec(
            IncidentCategoriseArguments.self, minimumRole: .dispatcher,
            summary: "change an open incident's opening category", wrap: { .incidentsCategorise($0) }),
        ControlCommandSpec(
            IncidentCloseArguments.self, minimumRole: .dispatcher, summary: "close an incident with its closing category",
            wrap: { .incidentsClose($0) }),
        ControlCommandSpec(
            ChannelsArguments.self, minimumRole: .engineer, summary: "the radio channels and who holds each floor",
            wrap: { _ in .channels }),
        ControlCommandSpec(
            ChannelAttachArguments.self, minimumRole: .dispatcher,
            summary: "link a channel's transmissions to an incident (or none)", wrap: { .channelsAttach($0) }),
        ControlCommandSpec(
            KeyArguments.self, minimumRole: .dispatcher, summary: "key a radio channel's transmitter",
            wrap: { .key($0) }),
        ControlCommandSpec(
            UnkeyArguments.self, minimumRole: .dispatcher, summary: "release (or force off) a channel's transmitter",
            wrap: { .unkey($0) }),
        ControlCommandSpec(
            RecallArguments.self, minimumRole: .engineer, summary: "a channel's newest recorded transmissions",
            wrap: { .recall($0) }),
        ControlCommandSpec(
            RecallPlayArguments.self, minimumRole: .dispatcher,
            summary: "play a recorded transmission to its channel's playback device", wrap: { .recallPlay($0) }),
        ControlCommandSpec(
            RecallExportArguments.self, minimumRole: .dispatcher, summary: "write a recorded transmission as WAV",
            wrap: { .recallExport($0) }),
        ControlCommandSpec(
            LinesArguments.self, minimumRole: .engineer, summary: "the telephone lines and the call on each",
            wrap: { _ in .lines }),
        ControlCommandSpec(
            CallsArguments.self, minimumRole: .engineer, summary: "the call queue in order of service and the calls in hand",
            wrap: { _ in .calls }),
        ControlCommandSpec(
            AnswerArguments.self, minimumRole: .dispatcher, summary: "answer a call (the head of the queue when none is given)",
            wrap: { .answer($0) }),
        ControlCommandSpec(
            HoldArguments.self, minimumRole: .dispatcher, summary: "put an answered call on hold", wrap: { .hold($0) }),
        ControlCommandSpec(
            HangUpArguments.self, minimumRole: .dispatcher, summary: "end a call from our side", wrap: { .hangup($0) }),
        ControlCommandSpec(
            TransferArguments.self, minimumRole: .dispatcher,
            summary: "hand a call on (blind, attended, conference or relay)", wrap: { .transfer($0) }),
        ControlCommandSpec(
            TextArguments.self, minimumRole: .dispatcher, summary: "send a deaf-text message on a call",
            wrap: { .text($0) }),
        ControlCommandSpec(
            CallAttachArguments.self, minimumRole: .dispatcher,
            summary: "link a call and its messages to an incident (or none)", wrap: { .callsAttach($0) }),
        ControlCommandSpec(
            UnitsArguments.self, minimumRole: .engineer, summary: "radio units and their latest status",
            wrap: { _ in .units }),
        ControlCommandSpec(
            EmergenciesArguments.self, minimumRole: .engineer, summary: "emergencies raised by units and not yet acknowledged",
            wrap: { _ in .emergencies }),
        ControlCommandSpec(
            AckArguments.self, minimumRole: .dispatcher, summary: "acknowledge a unit's emergency", wrap: { .ack($0) }),
        ControlCommandSpec(
            SDSArguments.self, minimumRole: .dispatcher, summary: "send a text to a radio unit (TETRA SDS)", wrap: { .sds($0) }),
        ControlCommandSpec(
            ReloadArguments.self, minimumRole: .admin, summary: "reload the configuration file",
            wrap: { _ in .reload }),
    ])
}
