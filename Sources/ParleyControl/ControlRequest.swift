import ParleyCore

/// A request, parsed and checked against the command table.
public struct ControlRequest: Sendable, Hashable {
    /// The typed arguments of each command.
    public enum Arguments: Sendable, Hashable {
        case hello(HelloArguments)
        case status
        case tail(TailArguments)
        case events(EventsArguments)
        case audit(AuditArguments)
        case verify(VerifyArguments)
        case incidentsList(IncidentsListArguments)
        case incidentsShow(IncidentShowArguments)
        case incidentsOpen(IncidentOpenArguments)
        case incidentsGrade(IncidentGradeArguments)
        case incidentsAssess(IncidentAssessArguments)
        case incidentsCategorise(IncidentCategoriseArguments)
        case incidentsClose(IncidentCloseArguments)
        case channels
        case key(KeyArguments)
        case unkey(UnkeyArguments)
        case recall(RecallArguments)
        case recallPlay(RecallPlayArguments)
        case recallExport(RecallExportArguments)
        case channelsAttach(ChannelAttachArguments)
        case lines
        case calls
        case answer(AnswerArguments)
        case hold(HoldArguments)
        case hangup(HangUpArguments)
        case transfer(TransferArguments)
        case text(TextArguments)
        case callsAttach(CallAttachArguments)
        case units
        case emergencies
        case ack(AckArguments)
        case sds(SDSArguments)
        case reload
    }

    /// Echoed in every message that answers this request; nil when the request had none.
    public var id: ControlRequestID?
    public var command: ControlCommand
    public var arguments: Arguments
    /// The `args` object as received, for the audit trail.
    public var rawArguments: [String: JSONValue]

    public init(
        id: ControlRequestID?, command: ControlCommand, arguments: Arguments, rawArguments: [String: JSONValue]
    ) {
        self.id = id
        self.command = command
        self.arguments = arguments
        self.rawArguments = rawArguments
    }

    /// The line a client sends for `arguments` (with its newline).
    public static func line<A: ControlCommandArguments>(id: ControlRequestID?, _ arguments: A) -> String {
        let request: JSONValue = [
            "v": .int(Int64(ControlProtocol.version)), "id": id?.json ?? .null,
            "cmd": .string(A.command.rawValue), "args": .object(arguments.json),
        ]
        return request.canonicalString + "\n"
    }
}

/// Why a line was refused, with what could be salvaged for the reply and the audit trail.
public struct ControlRequestFailure: Error, Sendable, Hashable {
    /// The request's id, if the line got far enough to have one.
    public var id: ControlRequestID?
    /// `cmd`, if it could be read.
    public var command: String?
    /// `args`, if it could be read.
    public var rawArguments: [String: JSONValue]?
    public var error: ControlError
}

/// Turns one line into a typed request, or says precisely what is wrong with it.
///
/// Never traps on any input: the JSON parser, the envelope checks and every argument reader
/// report problems as `ControlRequestFailure`.
public struct ControlRequestParser: Sendable {
    public let commands: ControlCommandTable

    public init(commands: ControlCommandTable = .v1) {
        self.commands = commands
    }

    public func parse(_ line: [UInt8]) -> Result<ControlRequest, ControlRequestFailure> {
        let value: JSONValue
        do {
            value = try ControlJSON.parse(line)
        } catch {
            return .failure(ControlRequestFailure(error: .badJSON(error.description)))
        }
        guard case .object(let members) = value else {
            return .failure(ControlRequestFailure(error: .badRequest("the line is JSON but not an object")))
        }
        // Salvage the id first so that every later error can be matched to its request.
        var id: ControlRequestID?
        switch members["id"] {
        case nil, .null?: id = nil
        case .string(let text)?:
            guard text.utf8.count <= 256 else {
                return .failure(ControlRequestFailure(error: .badRequest("\"id\" is longer than 256 bytes")))
            }
            id = .string(text)
        case .some(let other):
            guard let number = other.intValue else {
                return .failure(ControlRequestFailure(error: .badRequest("\"id\" must be an integer or a string")))
            }
            id = .int(number)
        }
        var failure = ControlRequestFailure(id: id, error: .badRequest(""))
        switch members["v"] {
        case nil, .null?:
            failure.error = .unsupportedVersion(nil)
            return .failure(failure)
        case .some(let version):
            guard version.intValue == Int64(ControlProtocol.version) else {
                failure.error = .unsupportedVersion(Self.short(version))
                return .failure(failure)
            }
        }
        guard case .string(let name)? = members["cmd"] else {
            failure.error = .badRequest(members["cmd"] == nil ? "the request has no \"cmd\"" : "\"cmd\" must be a string")
            return .failure(failure)
        }
        failure.command = String(name.prefix(200))
        let arguments: [String: JSONValue]
        switch members["args"] {
        case nil, .null?: arguments = [:]
        case .object(let object)?: arguments = object
        case .some:
            failure.error = .badRequest("\"args\" must be an object")
            return .failure(failure)
        }
        failure.rawArguments = arguments
        for key in members.keys where !["v", "id", "cmd", "args"].contains(key) {
            failure.error = .badRequest("unknown request field \"\(key.prefix(40))\"; put arguments inside \"args\"")
            return .failure(failure)
        }
        guard let spec = commands[name] else {
            failure.error = .unknownCommand(name, known: commands.names)
            return .failure(failure)
        }
        var reader = ControlArgumentReader(command: name, arguments: arguments)
        do {
            let typed = try spec.read(&reader)
            try reader.finish()
            return .success(
                ControlRequest(id: id, command: spec.command, arguments: typed, rawArguments: arguments))
        } catch let error as ControlError {
            failure.error = error
        } catch {
            failure.error = .badArguments(command: name, field: "?", expected: "valid", found: "\(error)")
        }
        return .failure(failure)
    }

    private static func short(_ value: JSONValue) -> String {
        String(value.canonicalString.prefix(20))
    }
}
