/// The fields of SMS PDUs (3GPP TS 23.040 §9.2.3): addresses, data coding, timestamps, the user
/// data header's elements and the body. Plain values; decoding is in `SMSPDU-Reading.swift`.

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

    public init(identifier: UInt8, data: [UInt8]) {
        self.identifier = identifier
        self.data = data
    }
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
