/// One textphone character as sent in V.21 mode (ITU-T V.18, EN 300 381): seven-bit ASCII with
/// an even-parity eighth bit, framed on the line as one start bit (space), the eight bits least
/// significant first and one stop bit (mark) — "7E1".
public struct V21Character: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The eight bits as sent: ASCII in bits 0…6, the parity bit in bit 7.
    public let rawValue: UInt8

    /// Any eight bits, as received; the parity bit may be wrong (see ``parityOK``).
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// The character for the low seven bits of `ascii`, with the parity bit set so that the
    /// eight bits hold an even number of ones.
    public init(ascii: UInt8) {
        let data = ascii & 0x7F
        rawValue = data.nonzeroBitCount % 2 == 0 ? data : data | 0x80
    }

    /// The seven ASCII bits.
    public var ascii: UInt8 { rawValue & 0x7F }

    /// Whether the eight bits hold an even number of ones (the parity bit agrees with the data).
    public var parityOK: Bool { rawValue.nonzeroBitCount % 2 == 0 }

    /// The ASCII character, whatever the parity; nil for NUL and DEL, which textphones send as
    /// fill and which carry no text.
    public var character: Character? {
        ascii == 0 || ascii == 0x7F ? nil : Character(Unicode.Scalar(ascii))
    }

    /// The ten line bits, first sent first: start (false, space), the eight bits least
    /// significant first, stop (true, mark).
    public var lineBits: [Bool] {
        [false] + (0..<8).map { (rawValue >> $0) & 1 == 1 } + [true]
    }

    /// Two hex digits and the character, e.g. `C1 'A'`; `!` after the hex marks a parity error.
    public var description: String {
        let hex = String(rawValue, radix: 16, uppercase: true)
        let code = (hex.count < 2 ? "0" : "") + hex + (parityOK ? "" : "!")
        guard let character else { return code }
        return "\(code) \(character.debugDescription)"
    }

    /// The characters for `text`, and the characters left out because they are not seven-bit
    /// ASCII (or are NUL or DEL). `"\r\n"` becomes CR LF.
    public static func encode(_ text: String) -> (characters: [V21Character], unencodable: [Character]) {
        var characters: [V21Character] = []
        var unencodable: [Character] = []
        for character in text {
            let scalars = character.unicodeScalars
            if scalars.allSatisfy({ $0.value > 0 && $0.value < 0x7F }) {
                characters += scalars.map { V21Character(ascii: UInt8($0.value)) }
            } else {
                unencodable.append(character)
            }
        }
        return (characters, unencodable)
    }
}
