/// SMS-DELIVER decoding (3GPP TS 23.040 §9.2.2.1) of the PDU `AT+CMGR`/`AT+CMGL` give in PDU
/// mode (hex, SMSC address first). Pure code, no I/O. Every length field is checked against the
/// bytes actually present; a PDU that lies throws ``SMSPDUError``, never reads past its end.

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

