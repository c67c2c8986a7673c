/// SMS PDUs (3GPP TS 23.040 §9.2): decoding SMS-DELIVER as `AT+CMGR` gives it in PDU mode
/// (hex, SMSC address first), and encoding SMS-SUBMIT for `AT+CMGS`. Pure code, no I/O.
/// Every length field is checked against the bytes actually present; a PDU that lies throws
/// `SMSPDUError`, never reads past its end.

/// Why a PDU could not be decoded or a message could not be encoded.
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
        case .tooManyParts(let parts):
            return "the reply needs \(parts) SMS parts but at most 255 can be concatenated — shorten it"
        }
    }
}

// MARK: - Fields

/// A phone number or alphanumeric sender (TS 23.040 §9.1.2.5).
public struct SMSAddress: Sendable, Hashable, CustomStringConvertible {
    /// The type-of-number bits of the type-of-address octet.
    public enum Kind: Sendable, Hashable {
        case unknown, international, national, alphanumeric
        case other(typeOfNumber: UInt8)
    }

    public var kind: Kind
    /// Digits (with `*`, `#`, `a`–`c` for the rare extended digits) or, for `.alphanumeric`,
    /// the sender's name.
    public var value: String
    /// The type-of-address octet as received (0x91 international/ISDN, 0xD0 alphanumeric).
    public var typeOfAddress: UInt8

    public init(kind: Kind, value: String, typeOfAddress: UInt8) {
        self.kind = kind
        self.value = value
        self.typeOfAddress = typeOfAddress
    }

    /// `+447700900123` for international numbers, the value as is otherwise.
    public var description: String { kind == .international ? "+" + value : value }
}

/// The data coding scheme (TS 23.038 §4).
public struct SMSDataCoding: Sendable, Hashable {
    public enum Alphabet: Sendable, Hashable { case gsm7, eightBit, ucs2 }

    public var raw: UInt8
    public var alphabet: Alphabet
    /// Message class 0 (flash) to 3, if the DCS gives one.
    public var messageClass: Int?
    public var isCompressed: Bool

    public init(raw: UInt8) {
        self.raw = raw
        switch raw >> 4 {
        case 0x0...0x7:  // general data coding; 01xx adds automatic deletion
            isCompressed = raw & 0x20 != 0
            messageClass = raw & 0x10 != 0 ? Int(raw & 0x03) : nil
            switch (raw >> 2) & 0x03 {
            case 1: alphabet = .eightBit
            case 2: alphabet = .ucs2
            default: alphabet = .gsm7  // 11 is reserved: the spec says assume GSM 7-bit
            }
        case 0xE:  // message waiting indication, store, UCS2
            (alphabet, messageClass, isCompressed) = (.ucs2, nil, false)
        case 0xF:  // data coding / message class
            (alphabet, messageClass, isCompressed) = (raw & 0x04 != 0 ? .eightBit : .gsm7, Int(raw & 0x03), false)
        default:  // reserved groups and message waiting (discard/store): GSM 7-bit
            (alphabet, messageClass, isCompressed) = (.gsm7, nil, false)
        }
    }
}

/// TP-SCTS: the local time at the service centre and its offset from UTC.
public struct SMSTimestamp: Sendable, Hashable {
    public var year, month, day, hour, minute, second: Int
    /// Offset from UTC in minutes (a multiple of 15; negative west of Greenwich).
    public var utcOffsetMinutes: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, utcOffsetMinutes: Int) {
        (self.year, self.month, self.day) = (year, month, day)
        (self.hour, self.minute, self.second) = (hour, minute, second)
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    public var secondsSince1970: Int {
        // Days from civil (H. Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86_400 + hour * 3_600 + minute * 60 + second - utcOffsetMinutes * 60
    }
}

/// A user data header information element other than concatenation, kept raw.
public struct SMSInformationElement: Sendable, Hashable {
    public var identifier: UInt8
    public var data: [UInt8]
}

/// Which part of a concatenated message this is (IE 0x00 or 0x08).
public struct SMSConcatenation: Sendable, Hashable {
    public var reference: UInt16
    public var isSixteenBitReference: Bool
    public var total: Int
    /// 1-based.
    public var sequence: Int

    public init(reference: UInt16, isSixteenBitReference: Bool, total: Int, sequence: Int) {
        self.reference = reference
        self.isSixteenBitReference = isSixteenBitReference
        self.total = total
        self.sequence = sequence
    }
}

/// The message body in its wire units, so that an escape sequence or a surrogate pair split
/// across concatenated parts joins up before it is turned into text.
public enum SMSUserData: Sendable, Hashable {
    /// Unpacked septets, escapes included.
    case gsm7([UInt8])
    case ucs2([UInt16])
    case binary([UInt8])

    /// The text, or nil for 8-bit data. A lone surrogate decodes as U+FFFD.
    public var text: String? {
        switch self {
        case .gsm7(let septets): GSMAlphabet.decode(septets)
        case .ucs2(let units): String(decoding: units, as: UTF16.self)
        case .binary: nil
        }
    }
}

// MARK: - SMS-DELIVER

/// A received SMS (SMS-DELIVER, TS 23.040 §9.2.2.1).
public struct SMSDeliver: Sendable, Hashable {
    /// Nil when the PDU starts with a zero-length SMSC address.
    public var serviceCentre: SMSAddress?
    public var originator: SMSAddress
    public var protocolIdentifier: UInt8
    public var dataCoding: SMSDataCoding
    public var serviceCentreTimestamp: SMSTimestamp
    public var moreMessagesToSend: Bool
    public var statusReportIndication: Bool
    public var replyPath: Bool
    /// Set when this is one part of a concatenated message. A concatenation element with a
    /// sequence of 0 or beyond the total is ignored, as §9.2.3.24.1 requires.
    public var concatenation: SMSConcatenation?
    /// The other information elements of the user data header, in order.
    public var informationElements: [SMSInformationElement]
    /// The body, header removed.
    public var userData: SMSUserData

    /// The text of this PDU alone; nil for 8-bit data.
    public var text: String? { userData.text }

    /// Decodes the hex PDU line of an `AT+CMGR` reply (PDU mode), SMSC address first.
    public init(hex: String) throws(SMSPDUError) {
        try self.init(pdu: try SMSHex.decode(hex))
    }

    /// Decodes PDU octets, SMSC address first.
    public init(pdu: [UInt8]) throws(SMSPDUError) {
        var reader = PDUReader(pdu)
        let smscLength = Int(try reader.byte("SMSC length"))
        if smscLength > 11 { throw .addressTooLong("SMSC address", length: smscLength) }
        if smscLength == 0 {
            serviceCentre = nil
        } else {
            let smsc = try reader.bytes(smscLength, "SMSC address")
            serviceCentre = SMSAddress(typeOfAddress: smsc[smsc.startIndex], digits: smsc.dropFirst(), semiOctets: (smscLength - 1) * 2)
        }
        let first = try reader.byte("first octet")
        guard first & 0x03 == 0 else { throw .unsupportedMessageType(first & 0x03) }
        moreMessagesToSend = first & 0x04 == 0  // TP-MMS is "no more messages" when set
        statusReportIndication = first & 0x20 != 0
        replyPath = first & 0x80 != 0
        let hasHeader = first & 0x40 != 0

        let addressLength = Int(try reader.byte("originating address length"))
        if addressLength > 20 { throw .addressTooLong("originating address", length: addressLength) }
        let typeOfAddress = try reader.byte("originating address type")
        let addressBytes = try reader.bytes((addressLength + 1) / 2, "originating address")
        originator = try SMSAddress(typeOfAddress: typeOfAddress, encoded: addressBytes, semiOctets: addressLength)

        protocolIdentifier = try reader.byte("protocol identifier")
        dataCoding = SMSDataCoding(raw: try reader.byte("data coding scheme"))
        if dataCoding.isCompressed { throw .compressed }
        serviceCentreTimestamp = try SMSTimestamp(octets: try reader.bytes(7, "service-centre timestamp"))

        let length = Int(try reader.byte("user data length"))
        let body = try UserDataDecoder.decode(
            length: length, alphabet: dataCoding.alphabet, hasHeader: hasHeader, reader: &reader)
        concatenation = body.concatenation
        informationElements = body.elements
        userData = body.data
    }
}

// MARK: - Internals

/// Bounds-checked reading through a PDU.
struct PDUReader {
    private let octets: [UInt8]
    private(set) var offset = 0

    init(_ octets: [UInt8]) { self.octets = octets }

    var remaining: Int { octets.count - offset }

    mutating func byte(_ field: String) throws(SMSPDUError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(field, needed: 1, available: 0) }
        defer { offset += 1 }
        return octets[offset]
    }

    mutating func bytes(_ count: Int, _ field: String) throws(SMSPDUError) -> ArraySlice<UInt8> {
        guard count <= remaining else { throw .truncated(field, needed: count, available: remaining) }
        defer { offset += count }
        return octets[offset..<offset + count]
    }
}

enum SMSHex {
    static func decode(_ text: String) throws(SMSPDUError) -> [UInt8] {
        let digits = Array(text.utf8).filter { $0 != 0x20 && $0 != 0x0D && $0 != 0x0A && $0 != 0x09 }
        var octets: [UInt8] = []
        octets.reserveCapacity(digits.count / 2)
        var high: UInt8?
        for (offset, digit) in digits.enumerated() {
            let value: UInt8
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = digit - UInt8(ascii: "0")
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = digit - UInt8(ascii: "A") + 10
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = digit - UInt8(ascii: "a") + 10
            default: throw .invalidHex(offset: offset)
            }
            if let nibble = high {
                octets.append(nibble << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        if high != nil { throw .oddHexLength(digits.count) }
        return octets
    }

    static func encode(_ octets: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var text: [UInt8] = []
        for octet in octets {
            text.append(digits[Int(octet >> 4)])
            text.append(digits[Int(octet & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

extension SMSAddress {
    static let semiOctetDigits: [Character] = Array("0123456789*#abc")

    /// Decodes semi-octet digits (low nibble first); 0xF is filler.
    init(typeOfAddress: UInt8, digits encoded: ArraySlice<UInt8>, semiOctets: Int) {
        var value = ""
        for index in 0..<min(semiOctets, encoded.count * 2) {
            let octet = encoded[encoded.startIndex + index / 2]
            let nibble = index % 2 == 0 ? octet & 0x0F : octet >> 4
            if nibble == 0x0F { break }
            value.append(Self.semiOctetDigits[Int(nibble)])
        }
        self.init(kind: Self.kind(typeOfAddress), value: value, typeOfAddress: typeOfAddress)
    }

    /// Decodes an originating or destination address body; an alphanumeric one is GSM 7-bit
    /// packed in `semiOctets * 4 / 7` septets.
    init(typeOfAddress: UInt8, encoded: ArraySlice<UInt8>, semiOctets: Int) throws(SMSPDUError) {
        if Self.kind(typeOfAddress) == .alphanumeric {
            guard let septets = GSMAlphabet.unpack(encoded, count: semiOctets * 4 / 7) else {
                throw .truncated("alphanumeric address", needed: (semiOctets + 1) / 2, available: encoded.count)
            }
            self.init(kind: .alphanumeric, value: GSMAlphabet.decode(septets), typeOfAddress: typeOfAddress)
        } else {
            self.init(typeOfAddress: typeOfAddress, digits: encoded, semiOctets: semiOctets)
        }
    }

    static func kind(_ typeOfAddress: UInt8) -> Kind {
        switch (typeOfAddress >> 4) & 0x07 {
        case 0: .unknown
        case 1: .international
        case 2: .national
        case 5: .alphanumeric
        case let other: .other(typeOfNumber: other)
        }
    }
}

extension SMSTimestamp {
    init(octets: ArraySlice<UInt8>) throws(SMSPDUError) {
        var fields: [Int] = []
        for (index, octet) in octets.enumerated() {
            let tens = index == 6 ? octet & 0x07 : octet & 0x0F  // bit 3 of the zone is its sign
            let units = octet >> 4
            guard tens <= 9, units <= 9 else { throw .invalidTimestamp(SMSHex.encode(octets)) }
            fields.append(Int(tens) * 10 + Int(units))
        }
        let zone = fields[6] * 15 * (octets[octets.startIndex + 6] & 0x08 != 0 ? -1 : 1)
        self.init(year: 2000 + fields[0], month: fields[1], day: fields[2], hour: fields[3], minute: fields[4],
                  second: fields[5], utcOffsetMinutes: zone)
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { throw .invalidTimestamp(SMSHex.encode(octets)) }
    }
}

/// TP-UD: the user data header (when TP-UDHI is set) and the body after it.
enum UserDataDecoder {
    struct Body {
        var concatenation: SMSConcatenation?
        var elements: [SMSInformationElement]
        var data: SMSUserData
    }

    static func decode(
        length: Int, alphabet: SMSDataCoding.Alphabet, hasHeader: Bool, reader: inout PDUReader
    ) throws(SMSPDUError) -> Body {
        let octetCount: Int
        if alphabet == .gsm7 {
            if length > 160 { throw .userDataTooLong(length: length, maximum: 160) }
            octetCount = (length * 7 + 7) / 8
        } else {
            if length > 140 { throw .userDataTooLong(length: length, maximum: 140) }
            octetCount = length
        }
        let octets = Array(try reader.bytes(octetCount, "user data"))

        var headerOctets = 0
        var concatenation: SMSConcatenation?
        var elements: [SMSInformationElement] = []
        if hasHeader {
            headerOctets = Int(octets.first ?? 0) + 1
            guard !octets.isEmpty, headerOctets <= octetCount else {
                throw .headerOverrun(headerLength: headerOctets, userDataOctets: octetCount)
            }
            var index = 1
            while index < headerOctets {
                let identifier = octets[index]
                guard index + 1 < headerOctets else { throw .elementOverrun(identifier: identifier, length: 1, remaining: 0) }
                let elementLength = Int(octets[index + 1])
                let start = index + 2
                guard start + elementLength <= headerOctets else {
                    throw .elementOverrun(identifier: identifier, length: elementLength, remaining: headerOctets - start)
                }
                let data = Array(octets[start..<start + elementLength])
                index = start + elementLength
                switch (identifier, elementLength) {
                case (0x00, 3):
                    concatenation = valid(SMSConcatenation(
                        reference: UInt16(data[0]), isSixteenBitReference: false, total: Int(data[1]), sequence: Int(data[2])))
                case (0x08, 4):
                    concatenation = valid(SMSConcatenation(
                        reference: UInt16(data[0]) << 8 | UInt16(data[1]), isSixteenBitReference: true,
                        total: Int(data[2]), sequence: Int(data[3])))
                default:
                    elements.append(SMSInformationElement(identifier: identifier, data: data))
                }
            }
        }

        let data: SMSUserData
        switch alphabet {
        case .gsm7:
            let headerSeptets = (headerOctets * 8 + 6) / 7  // header plus fill bits
            guard headerSeptets <= length, let septets = GSMAlphabet.unpack(octets, count: length) else {
                throw .headerOverrun(headerLength: headerOctets, userDataOctets: octetCount)
            }
            data = .gsm7(Array(septets.dropFirst(headerSeptets)))
        case .eightBit:
            data = .binary(Array(octets[headerOctets...]))
        case .ucs2:
            let body = octets[headerOctets...]
            guard body.count % 2 == 0 else { throw .oddUCS2Length(body.count) }
            data = .ucs2(stride(from: body.startIndex, to: body.endIndex, by: 2).map {
                UInt16(body[$0]) << 8 | UInt16(body[$0 + 1])
            })
        }
        return Body(concatenation: concatenation, elements: elements, data: data)
    }

    /// §9.2.3.24.1: a sequence of 0 or beyond the total means "ignore the element".
    private static func valid(_ concatenation: SMSConcatenation) -> SMSConcatenation? {
        concatenation.total > 0 && (1...concatenation.total).contains(concatenation.sequence) ? concatenation : nil
    }
}

// MARK: - SMS-SUBMIT

/// One SMS-SUBMIT PDU ready for `AT+CMGS=<tpduLength>` followed by `hex` and Ctrl-Z.
public struct SMSSubmitPDU: Sendable, Hashable {
    /// The whole PDU, starting with a zero-length SMSC address (the modem's stored SMSC is used).
    public var octets: [UInt8]
    /// `octets` as upper-case hex, as the modem wants it.
    public var hex: String { SMSHex.encode(octets) }
    /// The length `AT+CMGS` wants: the TPDU's octets, SMSC field excluded.
    public var tpduLength: Int { octets.count - Int(octets[0]) - 1 }
}

/// Encodes outgoing messages (SMS-SUBMIT, TS 23.040 §9.2.2.2).
public enum SMSSubmit {
    /// The reference that ties the parts of a long message together (IE 0x00 or 0x08).
    public enum Reference: Sendable, Hashable {
        case eightBit(UInt8)
        case sixteenBit(UInt16)

        func header(total: Int, sequence: Int) -> [UInt8] {
            switch self {
            case .eightBit(let value): [0x05, 0x00, 0x03, value, UInt8(total), UInt8(sequence)]
            case .sixteenBit(let value):
                [0x06, 0x08, 0x04, UInt8(value >> 8), UInt8(value & 0xFF), UInt8(total), UInt8(sequence)]
            }
        }
    }

    /// GSM 7-bit when every character is in the default alphabet or its extension table,
    /// otherwise UCS2.
    public static func alphabet(for text: String) -> SMSDataCoding.Alphabet {
        GSMAlphabet.septets(for: text) == nil ? .ucs2 : .gsm7
    }

    /// The PDUs for `text` to `recipient` (`+447700900123` or national digits). Text that fits
    /// one SMS (160 septets / 70 UCS2 units) is one PDU without a header; longer text is split
    /// into parts of 153 septets / 67 units (8-bit reference) or 152 / 66 (16-bit), never
    /// inside an escape sequence or a surrogate pair.
    /// - Parameters:
    ///   - validityPeriod: TP-VP in relative format (0xA7 = 24 hours); nil for none.
    public static func encode(
        _ text: String, to recipient: String, reference: Reference,
        requestStatusReport: Bool = false, validityPeriod: UInt8? = 0xA7
    ) throws(SMSPDUError) -> [SMSSubmitPDU] {
        let address = try destination(recipient)
        let headerOctets = reference.header(total: 1, sequence: 1).count
        let bodies: [Body]
        if let groups = septetGroups(text) {
            let count = groups.reduce(0) { $0 + $1.count }
            let capacity = count <= 160 ? 160 : (140 - headerOctets) * 8 / 7
            bodies = split(groups, capacity: capacity).map { .gsm7($0) }
        } else {
            let groups = text.unicodeScalars.map { Array(String($0).utf16) }
            let count = groups.reduce(0) { $0 + $1.count }
            let capacity = count <= 70 ? 70 : (140 - headerOctets) / 2
            bodies = split(groups, capacity: capacity).map { .ucs2($0) }
        }
        guard bodies.count <= 255 else { throw .tooManyParts(bodies.count) }

        var firstOctet: UInt8 = 0x01
        if validityPeriod != nil { firstOctet |= 0x10 }
        if requestStatusReport { firstOctet |= 0x20 }
        if bodies.count > 1 { firstOctet |= 0x40 }
        return bodies.enumerated().map { index, body in
            let header = bodies.count > 1 ? reference.header(total: bodies.count, sequence: index + 1) : []
            var octets: [UInt8] = [0x00, firstOctet, 0x00]  // no SMSC; TP-MR 0 (the modem assigns it)
            octets += address
            octets.append(0x00)  // TP-PID: plain SMS
            switch body {
            case .gsm7(let septets):
                octets.append(0x00)
                if let validityPeriod { octets.append(validityPeriod) }
                let headerSeptets = (header.count * 8 + 6) / 7
                octets.append(UInt8(headerSeptets + septets.count))
                octets += header
                octets += GSMAlphabet.pack(septets, fillBits: headerSeptets * 7 - header.count * 8)
            case .ucs2(let units):
                octets.append(0x08)
                if let validityPeriod { octets.append(validityPeriod) }
                octets.append(UInt8(header.count + units.count * 2))
                octets += header
                for unit in units { octets += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
            }
            return SMSSubmitPDU(octets: octets)
        }
    }

    private enum Body {
        case gsm7([UInt8])
        case ucs2([UInt16])
    }

    /// TP-DA: length in digits, type of address, semi-octet digits.
    static func destination(_ recipient: String) throws(SMSPDUError) -> [UInt8] {
        let international = recipient.hasPrefix("+")
        let digits = Array(international ? recipient.dropFirst() : Substring(recipient))
        var nibbles: [UInt8] = []
        for digit in digits {
            guard let index = SMSAddress.semiOctetDigits.prefix(12).firstIndex(of: digit) else {
                throw .invalidRecipient(recipient)
            }
            nibbles.append(UInt8(index))
        }
        guard (1...20).contains(nibbles.count) else { throw .invalidRecipient(recipient) }
        if nibbles.count % 2 == 1 { nibbles.append(0x0F) }
        var octets: [UInt8] = [UInt8(digits.count), international ? 0x91 : 0x81]
        for pair in stride(from: 0, to: nibbles.count, by: 2) { octets.append(nibbles[pair + 1] << 4 | nibbles[pair]) }
        return octets
    }

    /// The septets of each character, or nil if a character needs UCS2.
    static func septetGroups(_ text: String) -> [[UInt8]]? {
        var groups: [[UInt8]] = []
        for scalar in text.unicodeScalars {
            guard let septets = GSMAlphabet.septets(for: scalar) else { return nil }
            groups.append(septets)
        }
        return groups
    }

    /// Fills parts of at most `capacity` units with whole groups (characters).
    static func split<Unit>(_ groups: [[Unit]], capacity: Int) -> [[Unit]] {
        var parts: [[Unit]] = [[]]
        for group in groups {
            if parts[parts.count - 1].count + group.count > capacity { parts.append([]) }
            parts[parts.count - 1] += group
        }
        return parts
    }
}
