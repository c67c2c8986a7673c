/// The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1), and the
/// packing of septets into octets (§6.1.2.1). Pure functions; no state.
public enum GSMAlphabet {
    /// The escape septet that introduces a character from the extension table.
    public static let escape: UInt8 = 0x1B

    /// The default alphabet, indexed by septet. 0x1B (escape) maps to NBSP only as a
    /// placeholder: it is never produced by `septets(for:)` and decodes as a space when an
    /// escape is left dangling (§6.2.1.1: "display a space").
    static let basic: [Unicode.Scalar] = Array(
        ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u{A0}ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà").unicodeScalars)

    /// The extension table: the septet after an escape, and the character it stands for.
    static let extensionTable: [UInt8: Unicode.Scalar] = [
        0x0A: "\u{0C}", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\",
        0x3C: "[", 0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€",
    ]

    static let basicReverse: [Unicode.Scalar: UInt8] = {
        var map: [Unicode.Scalar: UInt8] = [:]
        for (index, scalar) in basic.enumerated() where index != Int(escape) { map[scalar] = UInt8(index) }
        return map
    }()

    static let extensionReverse: [Unicode.Scalar: UInt8] = {
        var map: [Unicode.Scalar: UInt8] = [:]
        for (septet, scalar) in extensionTable { map[scalar] = septet }
        return map
    }()

    /// The septets for one character: one from the default alphabet, two (escape + code)
    /// from the extension table, nil if the alphabet cannot represent it.
    public static func septets(for scalar: Unicode.Scalar) -> [UInt8]? {
        if let septet = basicReverse[scalar] { return [septet] }
        if let code = extensionReverse[scalar] { return [escape, code] }
        return nil
    }

    /// The septets for `text`, or nil if any character is outside the default alphabet and
    /// its extension table (then the text must be sent as UCS2).
    public static func septets(for text: String) -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard let septets = septets(for: scalar) else { return nil }
            result.append(contentsOf: septets)
        }
        return result
    }

    /// The text for unpacked septets. An escape followed by a code the extension table does not
    /// define shows the code's default-alphabet character (§6.2.1.1); a trailing escape shows
    /// a space.
    public static func decode(_ septets: some Sequence<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        var escaped = false
        for raw in septets {
            let septet = raw & 0x7F
            if escaped {
                escaped = false
                scalars.append(extensionTable[septet] ?? (septet == escape ? " " : basic[Int(septet)]))
            } else if septet == escape {
                escaped = true
            } else {
                scalars.append(basic[Int(septet)])
            }
        }
        if escaped { scalars.append(" ") }
        return String(scalars)
    }

    /// Packs septets into octets, least significant bit first, after `fillBits` zero bits
    /// (the padding that aligns text after a user data header to a septet boundary).
    public static func pack(_ septets: [UInt8], fillBits: Int = 0) -> [UInt8] {
        precondition((0..<7).contains(fillBits), "fill bits are 0 to 6")
        let totalBits = fillBits + 7 * septets.count
        var octets = [UInt8](repeating: 0, count: (totalBits + 7) / 8)
        for (index, raw) in septets.enumerated() {
            let septet = UInt16(raw & 0x7F)
            let bit = fillBits + 7 * index
            let shifted = septet << UInt16(bit % 8)
            octets[bit / 8] |= UInt8(truncatingIfNeeded: shifted)
            if shifted > 0xFF { octets[bit / 8 + 1] |= UInt8(truncatingIfNeeded: shifted >> 8) }
        }
        return octets
    }

    /// Unpacks `count` septets that start `fillBits` bits into `octets`; nil if `octets` is
    /// too short to hold them.
    public static func unpack(_ octets: some Collection<UInt8>, count: Int, fillBits: Int = 0) -> [UInt8]? {
        let bytes = Array(octets)
        guard count >= 0, fillBits >= 0, (fillBits + 7 * count + 7) / 8 <= bytes.count else { return nil }
        var septets: [UInt8] = []
        septets.reserveCapacity(count)
        for index in 0..<count {
            let bit = fillBits + 7 * index
            var word = UInt16(bytes[bit / 8])
            if bit / 8 + 1 < bytes.count { word |= UInt16(bytes[bit / 8 + 1]) << 8 }
            septets.append(UInt8(truncatingIfNeeded: word >> UInt16(bit % 8)) & 0x7F)
        }
        return septets
    }
}
