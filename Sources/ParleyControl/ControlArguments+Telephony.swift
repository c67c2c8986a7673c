import ParleyCore

// Arguments of the telephony commands: `lines`, `calls`, `answer`, `hold`, `hangup`,
// `transfer`, `text`, `calls.attach`. Results are in ControlResults+Telephony.swift.

public enum LinesCommand: ControlCommandTag { public static var command: ControlCommand { .lines } }
public enum CallsCommand: ControlCommandTag { public static var command: ControlCommand { .calls } }

public typealias LinesArguments = NoArguments<LinesCommand>
public typealias CallsArguments = NoArguments<CallsCommand>

public struct AnswerArguments: ControlCommandArguments {
    public static var command: ControlCommand { .answer }
    /// The call to answer (a held call is resumed); nil answers the head of the queue.
    public var call: Int64?

    public init(call: Int64? = nil) { self.call = call }

    public init(from reader: inout ControlArgumentReader) throws {
        call = try reader.call("call")
    }

    public var json: [String: JSONValue] { call.map { ["call": .int($0)] } ?? [:] }
}

public struct HoldArguments: ControlCommandArguments {
    public static var command: ControlCommand { .hold }
    public var call: Int64

    public init(call: Int64) { self.call = call }

    public init(from reader: inout ControlArgumentReader) throws {
        call = try reader.requiredCall("call")
    }

    public var json: [String: JSONValue] { ["call": .int(call)] }
}

public struct HangUpArguments: ControlCommandArguments {
    public static var command: ControlCommand { .hangup }
    public var call: Int64

    public init(call: Int64) { self.call = call }

    public init(from reader: inout ControlArgumentReader) throws {
        call = try reader.requiredCall("call")
    }

    public var json: [String: JSONValue] { ["call": .int(call)] }
}

/// How a call is handed on.
public enum TransferType: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Dial, hand over and leave: the call ends for us once the line confirms it.
    case blind
    /// Speak to the other party first, then hand over by hanging up.
    case attended
    /// Bring the other party in; everyone stays on until the dispatcher leaves.
    case conference
    /// Bring in a relay service (Relay UK) for a deaf or speech-impaired caller.
    case relay

    public var description: String { rawValue }
}

/// What `transfer` asks for, as the switchboard receives it (snake_case on the wire).
public struct TransferRequest: Sendable, Hashable, Codable {
    /// The longest dial string accepted.
    public static let maxNumberLength = 32
    /// The longest agency, person or reference accepted, in characters.
    public static let maxLabelLength = 64

    public var type: TransferType
    /// The dial string: digits, `*`, `#`, `,` (a pause) and `+`, 1 to 32 of them.
    public var number: String
    /// Who the call goes to (`Ambulance`, `Fire control`, `Neighbouring force`).
    public var toAgency: String
    public var toPerson: String?
    /// The other agency's reference for this handoff (their incident or log number).
    public var partnerReference: String?
    /// Our reference as given to them, when it is not the incident's.
    public var ownReference: String?

    public init(
        type: TransferType, number: String, toAgency: String, toPerson: String? = nil, partnerReference: String? = nil,
        ownReference: String? = nil
    ) {
        self.type = type
        self.number = number
        self.toAgency = toAgency
        self.toPerson = toPerson
        self.partnerReference = partnerReference
        self.ownReference = ownReference
    }

    enum CodingKeys: String, CodingKey {
        case type, number, toAgency = "to_agency", toPerson = "to_person", partnerReference = "partner_reference"
        case ownReference = "own_reference"
    }

    /// Reads the fields of a `transfer` request (all but `call`).
    init(from reader: inout ControlArgumentReader) throws {
        type = try reader.requiredTransferType("type")
        number = try reader.requiredDialString("number")
        toAgency = try reader.requiredLabel("to_agency", "who the call goes to")
        toPerson = try reader.label("to_person", "the person the call goes to")
        partnerReference = try reader.label("partner_reference", "the other agency's reference")
        ownReference = try reader.label("own_reference", "our reference as given to them")
    }

    var json: [String: JSONValue] {
        var out: [String: JSONValue] = [
            "type": .string(type.rawValue), "number": .string(number), "to_agency": .string(toAgency),
        ]
        if let toPerson { out["to_person"] = .string(toPerson) }
        if let partnerReference { out["partner_reference"] = .string(partnerReference) }
        if let ownReference { out["own_reference"] = .string(ownReference) }
        return out
    }
}

public struct TransferArguments: ControlCommandArguments {
    public static var command: ControlCommand { .transfer }
    public var call: Int64
    public var request: TransferRequest

    public init(call: Int64, _ request: TransferRequest) {
        self.call = call
        self.request = request
    }

    public init(from reader: inout ControlArgumentReader) throws {
        call = try reader.requiredCall("call")
        request = try TransferRequest(from: &reader)
    }

    public var json: [String: JSONValue] {
        var out = request.json
        out["call"] = .int(call)
        return out
    }
}

public struct TextArguments: ControlCommandArguments {
    public static var command: ControlCommand { .text }
    /// The longest message accepted, in characters.
    public static let maxCharacters = 1000

    public var call: Int64
    /// What the caller reads: 1 to 1000 characters, no control characters but newline.
    public var text: String

    public init(call: Int64, text: String) {
        self.call = call
        self.text = text
    }

    public init(from reader: inout ControlArgumentReader) throws {
        call = try reader.requiredCall("call")
        text = try reader.requiredMessageText("text", maxCharacters: Self.maxCharacters)
    }

    public var json: [String: JSONValue] { ["call": .int(call), "text": .string(text)] }
}

public struct CallAttachArguments: ControlCommandArguments {
    public static var command: ControlCommand { .callsAttach }
    public var call: Int64
    /// The open incident (id or reference) the call, its messages and its recording are linked
    /// to; nil (absent or null) unlinks the call.
    public var incident: String?

    public init(call: Int64, incident: String?) {
        self.call = call
        self.incident = incident
    }

    public init(from reader: inout ControlArgumentReader) throws {
        call = try reader.requiredCall("call")
        incident = try reader.incident("incident")
    }

    public var json: [String: JSONValue] { ["call": .int(call), "incident": incident.map(JSONValue.string) ?? .null] }
}

extension ControlArgumentReader {
    static let callMeaning = "a call id (a positive integer, as parleyctl calls lists it)"

    /// A call id: a positive integer, as `calls` lists it.
    mutating func call(_ field: String) throws -> Int64? {
        guard let value = value(field) else { return nil }
        guard let id = value.intValue, id > 0 else {
            throw ControlError.badArguments(command: command, field: field, expected: Self.callMeaning, found: Self.describe(value))
        }
        return id
    }

    mutating func requiredCall(_ field: String) throws -> Int64 {
        guard let id = try call(field) else {
            throw ControlError.missingArgument(command: command, field: field, expected: Self.callMeaning)
        }
        return id
    }

    /// `blind`, `attended`, `conference` or `relay`.
    mutating func requiredTransferType(_ field: String) throws -> TransferType {
        let meaning = "one of " + TransferType.allCases.map(\.rawValue).joined(separator: ", ")
        guard let value = value(field) else {
            throw ControlError.missingArgument(command: command, field: field, expected: meaning)
        }
        guard case .string(let name) = value, let type = TransferType(rawValue: name) else {
            throw ControlError.badArguments(command: command, field: field, expected: meaning, found: Self.describe(value))
        }
        return type
    }

    /// A dial string: 1 to 32 of the digits, `*`, `#`, `,` (pause) and `+`.
    mutating func requiredDialString(_ field: String) throws -> String {
        let meaning =
            "a number to dial: 1 to \(TransferRequest.maxNumberLength) of the digits 0-9, *, #, + and , (a pause)"
        guard let value = value(field) else {
            throw ControlError.missingArgument(command: command, field: field, expected: meaning)
        }
        guard case .string(let number) = value, (1...TransferRequest.maxNumberLength).contains(number.utf8.count),
            number.utf8.allSatisfy({ Self.isDialCharacter($0) })
        else {
            throw ControlError.badArguments(command: command, field: field, expected: meaning, found: Self.describe(value))
        }
        return number
    }

    /// A name or reference: 1 to 64 characters, no control characters, not only spaces.
    mutating func label(_ field: String, _ what: String) throws -> String? {
        guard let value = value(field) else { return nil }
        guard case .string(let text) = value, (1...TransferRequest.maxLabelLength).contains(text.count),
            !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }),
            text.contains(where: { !$0.isWhitespace })
        else {
            throw ControlError.badArguments(
                command: command, field: field, expected: Self.labelMeaning(what), found: Self.describe(value))
        }
        return text
    }

    mutating func requiredLabel(_ field: String, _ what: String) throws -> String {
        guard let text = try label(field, what) else {
            throw ControlError.missingArgument(command: command, field: field, expected: Self.labelMeaning(what))
        }
        return text
    }

    /// A deaf-text message: 1 to `maxCharacters` characters, not only spaces, no control
    /// characters but newline.
    mutating func requiredMessageText(_ field: String, maxCharacters: Int) throws -> String {
        let meaning = "the message: 1 to \(maxCharacters) characters, no control characters but newline"
        guard let value = value(field) else {
            throw ControlError.missingArgument(command: command, field: field, expected: meaning)
        }
        guard case .string(let text) = value else {
            throw ControlError.badArguments(command: command, field: field, expected: meaning, found: Self.describe(value))
        }
        guard text.count <= maxCharacters else {
            throw ControlError.badArguments(
                command: command, field: field, expected: meaning, found: "\(text.count) characters")
        }
        if let control = text.unicodeScalars.first(where: { $0 != "\n" && $0.properties.generalCategory == .control }) {
            let code = String(control.value, radix: 16, uppercase: true)
            throw ControlError.badArguments(
                command: command, field: field, expected: meaning,
                found: "control character U+\(String(repeating: "0", count: max(0, 4 - code.count)))\(code)")
        }
        guard text.contains(where: { !$0.isWhitespace }) else {
            throw ControlError.badArguments(
                command: command, field: field, expected: meaning + ", not only spaces", found: Self.describe(value))
        }
        return text
    }

    private static func labelMeaning(_ what: String) -> String {
        "\(what): 1 to \(TransferRequest.maxLabelLength) characters of text without control characters"
    }

    private static func isDialCharacter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "*") || byte == UInt8(ascii: "#")
            || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "+")
    }
}
