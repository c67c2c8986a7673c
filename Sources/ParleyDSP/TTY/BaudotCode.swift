/// One 5-bit Baudot (ITA2 / US TTY) code, as sent on the line: bit 0 is sent first after the
/// start bit, and a 1 is a mark.
public struct BaudotCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code, 0…31.
    public let rawValue: UInt8

    /// Nil when `rawValue` does not fit in five bits.
    public init?(rawValue: UInt8) {
        guard rawValue < 32 else { return nil }
        self.rawValue = rawValue
    }

    /// The low five bits of `bits`.
    public init(bits: UInt8) {
        self.rawValue = bits & 0x1F
    }

    /// LTRS: shift to letters (all marks).
    public static let letters = BaudotCode(bits: 0x1F)
    /// FIGS: shift to figures.
    public static let figures = BaudotCode(bits: 0x1B)
    public static let space = BaudotCode(bits: 0x04)
    public static let carriageReturn = BaudotCode(bits: 0x08)
    public static let lineFeed = BaudotCode(bits: 0x02)

    public var description: String {
        let binary = String(rawValue, radix: 2)
        return String(repeating: "0", count: 5 - binary.count) + binary
    }
}

/// The shift (case) a Baudot receiver or sender is in.
public enum BaudotShift: Sendable, Hashable {
    case letters
    case figures
}

/// Which figures table to use. The letters are the same in both.
public enum BaudotTable: Sendable, Hashable, CaseIterable {
    /// US TTY / TDD (TIA-825-A) figures: `$ ' ! : ( " ) # & ;` and BEL on S. The default.
    case usTTY
    /// ITA2 (CCITT No. 2) figures: `' BEL + =` and WRU (ENQ) on D; F, G and H are national
    /// use and decode to nothing.
    case ita2

    /// Letters by code; nil for the shift codes and NUL.
    private static let lettersByCode: [Character?] = [
        nil, "E", "\n", "A", " ", "S", "I", "U",
        "\r", "D", "R", "J", "N", "F", "C", "K",
        "T", "Z", "L", "W", "H", "Y", "P", "Q",
        "O", "B", "G", nil, "M", "X", "V", nil,
    ]

    private static let usFiguresByCode: [Character?] = [
        nil, "3", "\n", "-", " ", "\u{07}", "8", "7",
        "\r", "$", "4", "'", ",", "!", ":", "(",
        "5", "\"", ")", "2", "#", "6", "0", "1",
        "9", "?", "&", nil, ".", "/", ";", nil,
    ]

    private static let ita2FiguresByCode: [Character?] = [
        nil, "3", "\n", "-", " ", "'", "8", "7",
        "\r", "\u{05}", "4", "\u{07}", ",", nil, ":", "(",
        "5", "+", ")", "2", nil, "6", "0", "1",
        "9", "?", nil, nil, ".", "/", "=", nil,
    ]

    /// The character `code` stands for in `shift`; nil for LTRS, FIGS, NUL and unassigned codes.
    public func character(for code: BaudotCode, in shift: BaudotShift) -> Character? {
        let index = Int(code.rawValue)
        switch (shift, self) {
        case (.letters, _): return Self.lettersByCode[index]
        case (.figures, .usTTY): return Self.usFiguresByCode[index]
        case (.figures, .ita2): return Self.ita2FiguresByCode[index]
        }
    }

    /// How to send `character` (case-insensitive): its code and the shift it needs, or nil for
    /// a code that is the same in both shifts (space, CR, LF). Nil if the table cannot send it.
    public func encoding(of character: Character) -> (code: BaudotCode, shift: BaudotShift?)? {
        let uppercased = character.uppercased()
        guard uppercased.count == 1, let upper = uppercased.first else { return nil }
        let letters = Self.lettersByCode.firstIndex(of: upper)
        let figures: Int? = switch self {
        case .usTTY: Self.usFiguresByCode.firstIndex(of: upper)
        case .ita2: Self.ita2FiguresByCode.firstIndex(of: upper)
        }
        switch (letters, figures) {
        case (let l?, let f?) where l == f: return (BaudotCode(bits: UInt8(l)), nil)
        case (let l?, _): return (BaudotCode(bits: UInt8(l)), .letters)
        case (nil, let f?): return (BaudotCode(bits: UInt8(f)), .figures)
        case (nil, nil): return nil
        }
    }
}

/// Turns received codes into characters, tracking LTRS/FIGS. A space returns the receiver to
/// letters ("unshift on space"), as US TTYs do.
public struct BaudotDecoder: Sendable, Hashable {
    public let table: BaudotTable
    public private(set) var shift: BaudotShift = .letters

    public init(table: BaudotTable = .usTTY) {
        self.table = table
    }

    /// The character for `code`, or nil for a shift code or an unassigned code.
    public mutating func decode(_ code: BaudotCode) -> Character? {
        switch code {
        case .letters:
            shift = .letters
            return nil
        case .figures:
            shift = .figures
            return nil
        case .space:
            shift = .letters
            return " "
        default:
            return table.character(for: code, in: shift)
        }
    }
}

/// Turns text into codes, inserting LTRS/FIGS as needed. It assumes the receiver unshifts on
/// space, so a figure after a space is preceded by FIGS again.
public struct BaudotEncoder: Sendable, Hashable {
    public let table: BaudotTable
    /// The shift the receiver is in after the codes produced so far; nil before the first code,
    /// when the receiver's shift is unknown and the first code is preceded by an explicit shift.
    public private(set) var shift: BaudotShift?

    public init(table: BaudotTable = .usTTY) {
        self.table = table
    }

    /// Codes for `character` (with a shift code first when needed), or nil if the table cannot
    /// send it. `"\r\n"` becomes CR LF.
    public mutating func encode(_ character: Character) -> [BaudotCode]? {
        if character == "\r\n" {
            return encode("\r").map { $0 + (encode("\n") ?? []) }
        }
        guard let (code, needed) = table.encoding(of: character) else { return nil }
        var codes: [BaudotCode] = []
        let wanted = needed ?? shift ?? .letters
        if shift != wanted {
            codes.append(wanted == .letters ? .letters : .figures)
        }
        codes.append(code)
        shift = code == .space ? .letters : wanted
        return codes
    }

    /// Codes for `text`, and the characters that were skipped because the table cannot send them.
    public mutating func encode(_ text: String) -> (codes: [BaudotCode], unencodable: [Character]) {
        var codes: [BaudotCode] = []
        var unencodable: [Character] = []
        for character in text {
            if let more = encode(character) {
                codes += more
            } else {
                unencodable.append(character)
            }
        }
        return (codes, unencodable)
    }
}

/// Spots the conversational turn markers typed on TTYs: GA ("go ahead", your turn) and SK
/// ("stop keying", ending the call; SKSK too). A marker counts only as a whole word, so it is
/// reported when the word ends: at a space, CR or LF, or at ``finish()`` when the line goes idle.
public struct BaudotTurnMarkerDetector: Sendable, Hashable {
    public enum Marker: Sendable, Hashable {
        case goAhead
        case stopKeying
    }

    private var word = ""

    public init() {}

    /// Feeds one received character; returns a marker when it ends a GA or SK word.
    public mutating func feed(_ character: Character) -> Marker? {
        if character.isWhitespace || character.isNewline {
            return finish()
        }
        if word.count < 8 { word.append(Character(character.uppercased())) } else { word = "-" }
        return nil
    }

    /// Ends the current word (the line went quiet); returns a marker if it was GA or SK.
    public mutating func finish() -> Marker? {
        defer { word = "" }
        switch word {
        case "GA": return .goAhead
        case "SK", "SKSK": return .stopKeying
        default: return nil
        }
    }

    /// Every marker in `text`, in order, treating its end as the end of the last word.
    public static func markers(in text: String) -> [Marker] {
        var detector = BaudotTurnMarkerDetector()
        var found = text.compactMap { detector.feed($0) }
        if let last = detector.finish() { found.append(last) }
        return found
    }
}
