/// Bounds-checked reading of PDU octets and the field decoders SMS-DELIVER uses (hex, semi-octet
/// addresses, timestamps).

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

