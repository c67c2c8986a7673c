import ParleyCore

/// One caller-ID message as it travels on the line after the channel seizure and mark signal:
/// message type, length, body, checksum (Bellcore GR-30 SDMF/MDMF, ETSI EN 300 659-3, BT SIN227).
///
/// The checksum is the two's complement of the modulo-256 sum of the type, length and body
/// bytes, so a good message's bytes (checksum included) add up to zero.
///
/// Parsing keeps structure and trust apart: a frame with a bad checksum still parses (so an
/// engineer can see what arrived), but ``isChecksumValid`` is false and callers must not show
/// its ``callerID`` as the caller's identity.
public struct CallerIDFrame: Sendable, Hashable {
    /// The two call set-up message formats.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// Single data message format (type 0x04): `MMDDHHMM` then the number, or `P` / `O`.
        case sdmf
        /// Multiple data message format (type 0x80): type–length–value parameters.
        case mdmf

        /// The message type byte that introduces this format.
        public var messageType: UInt8 {
            switch self {
            case .sdmf: CallerIDFrame.sdmfMessageType
            case .mdmf: CallerIDFrame.mdmfMessageType
            }
        }
    }

    /// One MDMF parameter: type, then its value bytes.
    public struct Parameter: Sendable, Hashable {
        /// Date and time, `MMDDHHMM`.
        public static let dateTime: UInt8 = 0x01
        /// Calling line identity (the number).
        public static let callingNumber: UInt8 = 0x02
        /// Called line identity (ETSI; the number dialled). Carried, not used.
        public static let calledNumber: UInt8 = 0x03
        /// Reason for absence of the number: `P` private/withheld, `O` unavailable.
        public static let numberAbsence: UInt8 = 0x04
        /// Calling party name.
        public static let callingName: UInt8 = 0x07
        /// Reason for absence of the name: `P` or `O`.
        public static let nameAbsence: UInt8 = 0x08

        public var type: UInt8
        public var value: [UInt8]

        public init(type: UInt8, value: [UInt8]) {
            self.type = type
            self.value = value
        }
    }

    /// SDMF call set-up (Bellcore).
    public static let sdmfMessageType: UInt8 = 0x04
    /// MDMF call set-up (Bellcore, ETSI, BT).
    public static let mdmfMessageType: UInt8 = 0x80

    public var messageType: UInt8
    /// The bytes between the length byte and the checksum.
    public var body: [UInt8]
    /// The checksum byte as received.
    public var checksum: UInt8
    /// MDMF parameters in the order received; empty for SDMF and other message types.
    public var parameters: [Parameter]

    /// Which call set-up format this is; nil for other message types (message waiting, advice
    /// of charge, …), which carry no caller identity.
    public var format: Format? {
        Format.allCases.first { $0.messageType == messageType }
    }

    /// Whether the received checksum matches the type, length and body.
    public var isChecksumValid: Bool {
        Self.checksum(of: [messageType, UInt8(truncatingIfNeeded: body.count)] + body) == checksum
    }

    /// The message as sent on the line: type, length, body, checksum.
    public var bytes: [UInt8] {
        [messageType, UInt8(truncatingIfNeeded: body.count)] + body + [checksum]
    }

    /// The two's complement of the modulo-256 sum of `bytes`: the checksum for a message whose
    /// type, length and body are `bytes`.
    public static func checksum(of bytes: some Sequence<UInt8>) -> UInt8 {
        var sum: UInt8 = 0
        for byte in bytes { sum &+= byte }
        return 0 &- sum
    }

    // MARK: - Parsing

    /// Why bytes are not a caller-ID message.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        private enum Kind: Sendable, Hashable {
            case truncated(expected: Int, received: Int)
            case malformed(String)
        }

        private let kind: Kind

        private init(_ kind: Kind) { self.kind = kind }

        static func truncated(expected: Int, received: Int) -> ParseError {
            ParseError(.truncated(expected: expected, received: received))
        }

        static func malformed(_ reason: String) -> ParseError {
            ParseError(.malformed(reason))
        }

        /// The message ended before its length byte said it would.
        public var isTruncated: Bool {
            if case .truncated = kind { return true }
            return false
        }

        public var description: String {
            switch kind {
            case let .truncated(_, received) where received < 2:
                "truncated: \(received) byte\(received == 1 ? "" : "s") arrived, not even the length byte; "
                    + "the burst was cut off — check the line audio level and that capture was running"
            case let .truncated(expected, received):
                "truncated: the length byte promised \(expected) bytes in all, \(received) arrived; "
                    + "the burst was cut off or the length byte is wrong"
            case let .malformed(reason):
                "malformed: \(reason)"
            }
        }
    }

    /// Builds a frame from its parts (a body of at most 255 bytes); the checksum is computed
    /// unless given.
    public init(messageType: UInt8, body: [UInt8], checksum: UInt8? = nil) {
        precondition(body.count <= 255, "a caller-ID message body is at most 255 bytes (its length is one byte)")
        self.messageType = messageType
        self.body = body
        self.checksum = checksum ?? Self.checksum(of: [messageType, UInt8(truncatingIfNeeded: body.count)] + body)
        self.parameters = messageType == Self.mdmfMessageType ? ((try? Self.parameters(in: body)) ?? []) : []
    }

    /// Reads one message: type, length, that many body bytes, checksum — nothing after it.
    /// A wrong checksum is not an error (see ``isChecksumValid``); a message that ends early
    /// is ``ParseError/isTruncated``; bytes after the checksum, an SDMF body too short for its
    /// date, or MDMF parameters that overrun the body are malformed.
    public static func parse(_ bytes: some Collection<UInt8>) throws(ParseError) -> CallerIDFrame {
        let bytes = Array(bytes)
        guard bytes.count >= 2 else { throw .truncated(expected: 3, received: bytes.count) }
        let expected = Int(bytes[1]) + 3
        guard bytes.count >= expected else { throw .truncated(expected: expected, received: bytes.count) }
        guard bytes.count == expected else {
            throw .malformed("\(bytes.count - expected) byte(s) follow the checksum; the length byte says \(bytes[1])")
        }
        let type = bytes[0]
        let body = Array(bytes[2..<(expected - 1)])
        var frame = CallerIDFrame(messageType: type, body: body, checksum: bytes[expected - 1])
        switch type {
        case sdmfMessageType:
            guard body.count >= 8 else {
                throw .malformed("an SDMF body needs the 8 date and time digits; it has \(body.count) byte(s)")
            }
        case mdmfMessageType:
            frame.parameters = try parameters(in: body)
        default:
            break
        }
        return frame
    }

    private static func parameters(in body: [UInt8]) throws(ParseError) -> [Parameter] {
        var parameters: [Parameter] = []
        var offset = 0
        while offset < body.count {
            let type = body[offset]
            guard offset + 1 < body.count else {
                throw .malformed("parameter 0x\(hex(type)) at body offset \(offset) has no length byte")
            }
            let length = Int(body[offset + 1])
            let start = offset + 2
            guard start + length <= body.count else {
                throw .malformed("parameter 0x\(hex(type)) says \(length) byte(s) but only \(body.count - start) remain in the body")
            }
            parameters.append(Parameter(type: type, value: Array(body[start..<(start + length)])))
            offset = start + length
        }
        return parameters
    }

    // MARK: - Caller identity

    /// What the message says about the caller, checksum or not (check ``isChecksumValid``
    /// first); nil for message types other than SDMF and MDMF call set-up. In MDMF the first
    /// of repeated parameters counts; called-number (0x03) and unknown parameters are ignored;
    /// absence codes other than `P` and `O` are ignored.
    public var callerID: CallerID? {
        switch format {
        case nil:
            return nil
        case .sdmf:
            guard body.count >= 8 else { return nil }
            var id = CallerID(time: CallerID.NetworkTime(digits: Self.text(body[0..<8])))
            let rest = Array(body[8...])
            if rest.count == 1, let reason = Self.absenceReason(rest[0]) {
                id.numberAbsence = reason
            } else if !rest.isEmpty {
                id.number = Self.text(rest)
            }
            return id
        case .mdmf:
            var id = CallerID()
            var seen: Set<UInt8> = []
            for parameter in parameters where seen.insert(parameter.type).inserted {
                switch parameter.type {
                case Parameter.dateTime: id.time = CallerID.NetworkTime(digits: Self.text(parameter.value))
                case Parameter.callingNumber: id.number = Self.text(parameter.value)
                case Parameter.numberAbsence: id.numberAbsence = parameter.value.first.flatMap(Self.absenceReason)
                case Parameter.callingName: id.name = Self.text(parameter.value)
                case Parameter.nameAbsence: id.nameAbsence = parameter.value.first.flatMap(Self.absenceReason)
                default: break
                }
            }
            return id
        }
    }

    /// A valid message carrying `callerID` in `format`. SDMF carries no name and always a date:
    /// a missing time is sent as `00000000` (which reads back as no time); a number, else `P`/`O`
    /// for its absence reason. MDMF sends date, number or its absence, name or its absence, in
    /// that order, each only when present. Text is sent as ISO 8859-1 (other characters become
    /// `?`); values too long for their length bytes are cut short.
    public init(callerID: CallerID, format: Format) {
        var body: [UInt8] = []
        switch format {
        case .sdmf:
            body = Self.latin1(callerID.time?.description ?? "00000000")
            if let number = callerID.number {
                body += Self.latin1(number)
            } else if let reason = callerID.numberAbsence {
                body.append(Self.code(for: reason))
            }
            body = Array(body.prefix(255))
        case .mdmf:
            func add(_ type: UInt8, _ value: [UInt8]) {
                let room = 255 - body.count - 2
                guard room >= 0 else { return }
                body += [type, UInt8(min(value.count, room))] + value.prefix(room)
            }
            if let time = callerID.time { add(Parameter.dateTime, Self.latin1(time.description)) }
            if let number = callerID.number {
                add(Parameter.callingNumber, Self.latin1(number))
            } else if let reason = callerID.numberAbsence {
                add(Parameter.numberAbsence, [Self.code(for: reason)])
            }
            if let name = callerID.name {
                add(Parameter.callingName, Self.latin1(name))
            } else if let reason = callerID.nameAbsence {
                add(Parameter.nameAbsence, [Self.code(for: reason)])
            }
        }
        self.init(messageType: format.messageType, body: body)
    }

    // MARK: - Helpers

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }

    private static func absenceReason(_ byte: UInt8) -> CallerID.AbsenceReason? {
        switch byte {
        case UInt8(ascii: "P"): .withheld
        case UInt8(ascii: "O"): .unavailable
        default: nil
        }
    }

    private static func code(for reason: CallerID.AbsenceReason) -> UInt8 {
        switch reason {
        case .withheld: UInt8(ascii: "P")
        case .unavailable: UInt8(ascii: "O")
        }
    }

    /// Bytes as ISO 8859-1 text (every byte is a character).
    private static func text(_ bytes: some Collection<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return String(scalars)
    }

    private static func latin1(_ string: String) -> [UInt8] {
        string.unicodeScalars.map { $0.value < 256 ? UInt8($0.value) : UInt8(ascii: "?") }
    }
}
