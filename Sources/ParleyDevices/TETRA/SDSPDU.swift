/// TETRA short data as a PEI terminal hands it over (`+CTSDSR` and the hex line after it) and
/// takes it (`AT+CMGS`): the 16-bit pre-coded status (AI service 13) and SDS type 4 user data
/// (AI service 12), whose first octet is the protocol identifier (EN 300 392-2 §29.4.3.9).
///
/// Decoded here: status values; SDS-TL text messaging (protocol identifier 0x82: SDS-TRANSFER
/// with message reference, text coding and optional time stamp, and SDS-REPORT); simple text
/// messaging (0x02). Anything else (location, GPS, concatenation) comes back as ``other``.
public enum SDSMessage: Sendable, Hashable {
    /// A pre-coded status value (EN 300 392-2 §14.8.34): 0 is emergency, 0x8000–0xFFFF are the
    /// network's and user organisation's own (available, at scene, …).
    case status(UInt16)
    /// A text message.
    case text(SDSText)
    /// An SDS-TL delivery report for a message we sent.
    case report(SDSReport)
    /// SDS type 4 data with a protocol this driver does not decode (kept whole, hex).
    case other(protocolID: UInt8, octets: [UInt8])
}

/// A TETRA text message (SDS-TL text messaging, or simple text messaging).
public struct SDSText: Sendable, Hashable {
    public enum Transport: Sendable, Hashable {
        /// Simple text messaging (protocol identifier 0x02): no reference, no reports.
        case simple
        /// SDS-TL text messaging (0x82), with the sender's message reference and whether it
        /// asked for delivery reports.
        case transportLayer(reference: UInt8, reportRequest: SDSReportRequest)
    }

    public var text: String
    public var coding: SDSTextCoding
    public var transport: Transport
    /// The sender's 24-bit time stamp field (EN 300 392-2 §29.5.4.4), raw, when present.
    public var timestamp: UInt32?

    public init(text: String, coding: SDSTextCoding, transport: Transport, timestamp: UInt32? = nil) {
        self.text = text
        self.coding = coding
        self.transport = transport
        self.timestamp = timestamp
    }
}

/// The text coding schemes this driver reads and writes (EN 300 392-2 §29.5.4.1).
public enum SDSTextCoding: UInt8, Sendable, Hashable, CaseIterable {
    /// ISO/IEC 8859-1 Latin 1, 8 bits a character.
    case latin1 = 1
    /// ISO/IEC 10646-1 UCS-2, 16 bits a character, big-endian.
    case ucs2 = 26
}

/// What a sender of an SDS-TL message asked for (the delivery report request field).
public enum SDSReportRequest: UInt8, Sendable, Hashable, CaseIterable {
    case none = 0
    case received = 1
    case consumed = 2
    case receivedAndConsumed = 3
}

/// An SDS-TL SDS-REPORT: what became of message `reference`.
public struct SDSReport: Sendable, Hashable {
    /// The delivery status (EN 300 392-2 §29.4.3.2): 0x00 received, 0x02 consumed, 0x40 and up
    /// failures.
    public var status: UInt8
    public var reference: UInt8

    public init(status: UInt8, reference: UInt8) {
        self.status = status
        self.reference = reference
    }

    /// True for "received" and "consumed" (and the other 0x00–0x3F success values).
    public var isDelivered: Bool { status < 0x40 }
}

/// One SDS ready for `AT+CTSDS` / `AT+CMGS`: the AI service, the length in bits and the user
/// data.
public struct SDSPayload: Sendable, Hashable {
    /// 12: SDS type 4; 13: status.
    public var aiService: Int
    public var octets: [UInt8]
    public var bits: Int { octets.count * 8 }
    /// Upper-case hex, as the terminal takes it.
    public var hex: String { SDSPDU.hex(octets) }

    public init(aiService: Int, octets: [UInt8]) {
        self.aiService = aiService
        self.octets = octets
    }
}

/// Why a received SDS could not be decoded, or a message could not be encoded.
public struct SDSPDUError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Encoding and decoding of the SDS user data a PEI terminal passes over.
public enum SDSPDU {
    /// The AI services of `+CTSDSR`/`AT+CTSDS` (EN 300 392-5): SDS type 4 and status.
    public static let sdsType4Service = 12
    public static let statusService = 13
    /// Protocol identifiers (EN 300 392-2 §29.4.3.9).
    public static let simpleTextProtocol: UInt8 = 0x02
    public static let textMessagingProtocol: UInt8 = 0x82
    /// SDS type 4 carries at most 2047 bits: 255 octets.
    public static let maxOctets = 255

    // MARK: Decoding

    /// Decodes the user data of one `+CTSDSR`: `aiService` and `bits` from its header, `hex`
    /// the line after it.
    public static func decode(aiService: Int, bits: Int, hex: String) throws(SDSPDUError) -> SDSMessage {
        guard let octets = octets(hex: hex) else {
            throw SDSPDUError("the user data \(hex.prefix(16).debugDescription) is not whole octets of hex")
        }
        guard bits >= 0, bits <= octets.count * 8 else {
            throw SDSPDUError("the header says \(bits) bits but \(octets.count * 8) arrived")
        }
        let used = Array(octets.prefix((bits + 7) / 8))
        switch aiService {
        case statusService:
            guard bits == 16 else { throw SDSPDUError("a status is 16 bits, not \(bits)") }
            return .status(UInt16(used[0]) << 8 | UInt16(used[1]))
        case sdsType4Service:
            return try decodeType4(used)
        case 9, 10, 11:
            throw SDSPDUError("SDS type \(aiService - 8) (user-defined data) is not decoded")
        default:
            throw SDSPDUError("AI service \(aiService) is not short data")
        }
    }

    /// SDS type 4 user data: protocol identifier first.
    public static func decodeType4(_ octets: [UInt8]) throws(SDSPDUError) -> SDSMessage {
        guard let protocolID = octets.first else { throw SDSPDUError("SDS type 4 with no protocol identifier") }
        switch protocolID {
        case simpleTextProtocol:
            guard octets.count >= 2 else { throw SDSPDUError("simple text message without its text coding octet") }
            let coding = try coding(octets[1] & 0x7F)
            return .text(SDSText(text: try decodeText(octets[2...], coding), coding: coding, transport: .simple))
        case textMessagingProtocol:
            guard octets.count >= 3 else { throw SDSPDUError("SDS-TL message shorter than its header (\(octets.count) octets)") }
            let messageType = octets[1] >> 4
            switch messageType {
            case 0:  // SDS-TRANSFER
                let reportRequest = SDSReportRequest(rawValue: (octets[1] >> 2) & 0x03) ?? .none
                let storage = octets[1] & 0x01 != 0
                var index = 3
                if storage {
                    // Octet 3: validity period (5 bits), forward address type (3 bits): SNA, SSI,
                    // TSI, external number (not decoded), or 7: none.
                    guard octets.count > 3 else { throw SDSPDUError("SDS-TL storage fields are cut short") }
                    let addressType = octets[3] & 0x07
                    let addressLength = [0: 1, 1: 3, 2: 6, 7: 0][Int(addressType)]
                    guard let addressLength else {
                        throw SDSPDUError("SDS-TL forward address type \(addressType) is not decoded")
                    }
                    index = 4 + addressLength
                }
                guard octets.count > index else { throw SDSPDUError("SDS-TL text message without its text coding octet") }
                let timestamped = octets[index] & 0x80 != 0
                let coding = try coding(octets[index] & 0x7F)
                index += 1
                var timestamp: UInt32?
                if timestamped {
                    guard octets.count >= index + 3 else { throw SDSPDUError("SDS-TL time stamp is cut short") }
                    timestamp = UInt32(octets[index]) << 16 | UInt32(octets[index + 1]) << 8 | UInt32(octets[index + 2])
                    index += 3
                }
                let text = try decodeText(octets[index...], coding)
                return .text(SDSText(
                    text: text, coding: coding,
                    transport: .transportLayer(reference: octets[2], reportRequest: reportRequest), timestamp: timestamp))
            case 1:  // SDS-REPORT: delivery status, message reference
                guard octets.count >= 4 else { throw SDSPDUError("SDS-TL report shorter than 4 octets") }
                return .report(SDSReport(status: octets[2], reference: octets[3]))
            default:
                throw SDSPDUError("SDS-TL message type \(messageType) is not decoded")
            }
        default:
            return .other(protocolID: protocolID, octets: Array(octets.dropFirst()))
        }
    }

    private static func coding(_ value: UInt8) throws(SDSPDUError) -> SDSTextCoding {
        guard let coding = SDSTextCoding(rawValue: value) else {
            throw SDSPDUError("text coding scheme \(value) is not decoded (only 1, Latin 1, and 26, UCS-2)")
        }
        return coding
    }

    private static func decodeText(_ octets: ArraySlice<UInt8>, _ coding: SDSTextCoding) throws(SDSPDUError) -> String {
        switch coding {
        case .latin1:
            var scalars = String.UnicodeScalarView()
            for octet in octets { scalars.append(Unicode.Scalar(octet)) }
            return String(scalars)
        case .ucs2:
            guard octets.count % 2 == 0 else { throw SDSPDUError("UCS-2 text of an odd number of octets") }
            var units: [UInt16] = []
            var index = octets.startIndex
            while index < octets.endIndex {
                units.append(UInt16(octets[index]) << 8 | UInt16(octets[index + 1]))
                index += 2
            }
            return String(decoding: units, as: UTF16.self)
        }
    }

    // MARK: Encoding

    /// A status message (AI service 13, 16 bits).
    public static func status(_ value: UInt16) -> SDSPayload {
        SDSPayload(aiService: statusService, octets: [UInt8(value >> 8), UInt8(value & 0xFF)])
    }

    /// An SDS-TL text message (protocol 0x82, SDS-TRANSFER, no storage, no time stamp), Latin 1
    /// when every character fits, UCS-2 otherwise. Throws when the text is empty or too long
    /// for one SDS type 4 (251 Latin 1 characters, 125 UCS-2).
    public static func text(_ text: String, reference: UInt8, reportRequest: SDSReportRequest = .none) throws(SDSPDUError) -> SDSPayload {
        guard !text.isEmpty else { throw SDSPDUError("the text is empty — there is nothing to send") }
        let header: [UInt8] = [textMessagingProtocol, reportRequest.rawValue << 2, reference]
        let body: [UInt8]
        if text.unicodeScalars.allSatisfy({ $0.value <= 0xFF }) {
            body = [SDSTextCoding.latin1.rawValue] + text.unicodeScalars.map { UInt8($0.value) }
        } else {
            body = [SDSTextCoding.ucs2.rawValue] + text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        }
        guard header.count + body.count <= maxOctets else {
            throw SDSPDUError("the text is too long for one TETRA SDS (\(header.count + body.count) octets, at most "
                + "\(maxOctets)) — shorten it to 251 Latin 1 or 125 other characters")
        }
        return SDSPayload(aiService: sdsType4Service, octets: header + body)
    }

    /// An SDS-TL report that message `reference` was received (the answer to a sender's
    /// report request).
    public static func receivedReport(reference: UInt8) -> SDSPayload {
        SDSPayload(aiService: sdsType4Service, octets: [textMessagingProtocol, 0x10, 0x00, reference])
    }

    // MARK: Hex

    /// Upper-case hex.
    public static func hex(_ octets: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF")
        var text = ""
        text.reserveCapacity(octets.count * 2)
        for octet in octets {
            text.append(digits[Int(octet >> 4)])
            text.append(digits[Int(octet & 0x0F)])
        }
        return text
    }

    /// Octets from hex digits (either case); nil for an odd count or a non-hex character.
    public static func octets(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var octets: [UInt8] = []
        octets.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            octets.append(high << 4 | low)
            index += 2
        }
        return octets
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x41...0x46: digit - 0x37
        case 0x61...0x66: digit - 0x57
        default: nil
        }
    }
}
