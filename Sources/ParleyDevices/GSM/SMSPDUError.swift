/// Why an SMS PDU could not be decoded (3GPP TS 23.040 §9.2) or a message could not be encoded.
/// Every description says what was wrong and what to do.
public struct SMSPDUError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case invalidHex(offset: Int)
        case oddHexLength(Int)
        case truncated(field: String, needed: Int, available: Int)
        case addressTooLong(field: String, length: Int)
        case unsupportedMessageType(UInt8)
        case userDataTooLong(length: Int, maximum: Int)
        case headerOverrun(headerLength: Int, userDataOctets: Int)
        case elementOverrun(identifier: UInt8, length: Int, remaining: Int)
        case invalidTimestamp(String)
        case compressed
        case oddUCS2Length(Int)
        case invalidRecipient(String)
        case invalidServiceCentre(String)
        case tooManyParts(Int)
    }

    private let code: Code
    private init(_ code: Code) { self.code = code }

    /// A character that is not a hex digit, `offset` characters into the PDU text.
    public static func invalidHex(offset: Int) -> SMSPDUError { SMSPDUError(.invalidHex(offset: offset)) }
    /// The PDU text has an odd number of hex digits.
    public static func oddHexLength(_ count: Int) -> SMSPDUError { SMSPDUError(.oddHexLength(count)) }
    /// `field` needs `needed` more octets but only `available` remain: a length field lies or
    /// the PDU was cut short.
    public static func truncated(_ field: String, needed: Int, available: Int) -> SMSPDUError {
        SMSPDUError(.truncated(field: field, needed: needed, available: available))
    }
    /// An address length beyond the 20 semi-octets (SMSC: 11 octets) the spec allows.
    public static func addressTooLong(_ field: String, length: Int) -> SMSPDUError {
        SMSPDUError(.addressTooLong(field: field, length: length))
    }
    /// The first octet's TP-MTI is not SMS-DELIVER (0).
    public static func unsupportedMessageType(_ mti: UInt8) -> SMSPDUError { SMSPDUError(.unsupportedMessageType(mti)) }
    /// TP-UDL is beyond 160 septets or 140 octets.
    public static func userDataTooLong(length: Int, maximum: Int) -> SMSPDUError {
        SMSPDUError(.userDataTooLong(length: length, maximum: maximum))
    }
    /// The user data header length does not fit in the user data.
    public static func headerOverrun(headerLength: Int, userDataOctets: Int) -> SMSPDUError {
        SMSPDUError(.headerOverrun(headerLength: headerLength, userDataOctets: userDataOctets))
    }
    /// An information element runs past the end of the user data header.
    public static func elementOverrun(identifier: UInt8, length: Int, remaining: Int) -> SMSPDUError {
        SMSPDUError(.elementOverrun(identifier: identifier, length: length, remaining: remaining))
    }
    /// The service-centre timestamp holds a non-decimal digit or an impossible date.
    public static func invalidTimestamp(_ hex: String) -> SMSPDUError { SMSPDUError(.invalidTimestamp(hex)) }
    /// The DCS says the text is compressed (TS 23.042), which is not supported.
    public static let compressed = SMSPDUError(.compressed)
    /// UCS2 user data with an odd number of octets.
    public static func oddUCS2Length(_ octets: Int) -> SMSPDUError { SMSPDUError(.oddUCS2Length(octets)) }
    /// A reply address that is not 1 to 20 digits (optionally `+`-prefixed; `*`, `#` allowed).
    public static func invalidRecipient(_ address: String) -> SMSPDUError { SMSPDUError(.invalidRecipient(address)) }
    /// A configured service-centre address that is not 1 to 20 digits.
    public static func invalidServiceCentre(_ address: String) -> SMSPDUError { SMSPDUError(.invalidServiceCentre(address)) }
    /// A reply that would need more than 255 concatenated parts.
    public static func tooManyParts(_ parts: Int) -> SMSPDUError { SMSPDUError(.tooManyParts(parts)) }

    public var description: String {
        switch code {
        case .invalidHex(let offset):
            return "SMS PDU has a non-hex character at offset \(offset) — pass only the PDU line of the +CMGR reply"
        case .oddHexLength(let count):
            return "SMS PDU has \(count) hex digits, an odd number — the modem's line was cut short; re-read the message"
        case .truncated(let field, let needed, let available):
            return "SMS PDU \(field) needs \(needed) octets but only \(available) remain — a length field is wrong or the "
                + "PDU was cut short; re-read the message (AT+CMGR) and check the modem is in PDU mode (AT+CMGF=0)"
        case .addressTooLong(let field, let length):
            return "SMS PDU \(field) length \(length) exceeds the spec's maximum — the PDU is corrupt; re-read the message"
        case .unsupportedMessageType(let mti):
            return "SMS PDU is message type \(mti), not SMS-DELIVER (0) — only received messages can be decoded here"
        case .userDataTooLong(let length, let maximum):
            return "SMS PDU user data length \(length) exceeds the maximum \(maximum) — the PDU is corrupt; re-read the message"
        case .headerOverrun(let headerLength, let userDataOctets):
            return "SMS PDU user data header of \(headerLength) octets does not fit in \(userDataOctets) octets of user "
                + "data — the PDU is corrupt; re-read the message"
        case .elementOverrun(let identifier, let length, let remaining):
            return "SMS PDU header element 0x\(String(identifier, radix: 16)) claims \(length) octets but only "
                + "\(remaining) remain in the header — the PDU is corrupt; re-read the message"
        case .invalidTimestamp(let hex):
            return "SMS PDU service-centre timestamp \(hex) is not a valid date — the PDU is corrupt; re-read the message"
        case .compressed:
            return "SMS PDU text is compressed (TS 23.042), which parleyd cannot decode — ask the sender to send plain text"
        case .oddUCS2Length(let octets):
            return "SMS PDU UCS2 text has \(octets) octets, an odd number — the PDU is corrupt; re-read the message"
        case .invalidRecipient(let address):
            return "cannot send an SMS to \(address.debugDescription): use 1 to 20 digits, optionally starting with +"
        case .invalidServiceCentre(let address):
            return "the SMS service centre \(address.debugDescription) is not a number: use 1 to 20 digits, optionally "
                + "starting with + (or leave it out to use the SIM's)"
        case .tooManyParts(let parts):
            return "the reply needs \(parts) SMS parts but at most 255 can be concatenated — shorten it"
        }
    }
}
