/// SMS-SUBMIT encoding (3GPP TS 23.040 §9.2.2.2) for `AT+CMGS` in PDU mode. Pure code, no I/O.

/// One SMS-SUBMIT PDU ready for `AT+CMGS=<tpduLength>` followed by `hex` and Ctrl-Z.
public struct SMSSubmitPDU: Sendable, Hashable {
    /// The whole PDU, SMSC field first: zero-length (the modem's stored SMSC is used) unless
    /// ``withServiceCentre(_:)`` put one in.
    public var octets: [UInt8]
    /// `octets` as upper-case hex, as the modem wants it.
    public var hex: String { SMSHex.encode(octets) }
    /// The length `AT+CMGS` wants: the TPDU's octets, SMSC field excluded.
    public var tpduLength: Int { octets.count - Int(octets[0]) - 1 }

    /// The same PDU sent through `serviceCentre` (`+447785016005`, or national digits) instead
    /// of the SMSC stored in the SIM; ``tpduLength`` is unchanged.
    public func withServiceCentre(_ serviceCentre: String) throws(SMSPDUError) -> SMSSubmitPDU {
        let address: [UInt8]
        do {
            address = try SMSSubmit.destination(serviceCentre)
        } catch {
            throw .invalidServiceCentre(serviceCentre)
        }
        // TP-DA counts digits; the SMSC field counts octets (type of address included).
        let field = [UInt8(address.count - 1)] + address.dropFirst()
        return SMSSubmitPDU(octets: field + octets.dropFirst(1 + Int(octets[0])))
    }
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
