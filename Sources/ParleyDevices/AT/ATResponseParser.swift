/// Splits a modem's (or radio terminal's) command-mode byte stream into classified lines.
///
/// Lines end at CR or LF (V.250 sends `<CR><LF>text<CR><LF>`); empty lines are skipped. The
/// SMS text-entry prompt `> ` has no line end and is reported as soon as it is complete. A line
/// longer than `maxLineBytes` is discarded up to its end and reported once as overlong; a line
/// with control or non-ASCII bytes is reported as garbage — both with the bytes, so the driver
/// can log them in hex, count them and carry on. The parser never stalls: every byte either
/// joins the current line or ends it.
///
/// It is a value type with no I/O: feed it bytes in any chunking and it gives the same outputs.
public struct ATResponseParser: Sendable {
    /// How many of a rejected line's bytes are kept for the log.
    public static let maxReportedBytes = 32

    public let maxLineBytes: Int
    private var line: [UInt8] = []
    /// Bytes of the current line dropped because it grew past `maxLineBytes`.
    private var overflow = 0

    public init(maxLineBytes: Int = 1024) {
        self.maxLineBytes = max(8, maxLineBytes)
    }

    /// True while part of a line has been received and not yet ended.
    public var hasPartialLine: Bool { !line.isEmpty || overflow > 0 }

    /// Feeds received bytes; returns every complete line (and prompt) they finish, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ATParserOutput] {
        var outputs: [ATParserOutput] = []
        for byte in bytes {
            if byte == 0x0D || byte == 0x0A {
                if let output = endLine() { outputs.append(output) }
                continue
            }
            if line.count < maxLineBytes {
                line.append(byte)
            } else {
                overflow += 1
            }
            if overflow == 0, line == [0x3E, 0x20] {
                // "> ": the prompt for the message body; nothing follows it until we send.
                line.removeAll(keepingCapacity: true)
                outputs.append(.response(.prompt))
            }
        }
        return outputs
    }

    /// Ends a partial line at end of input (e.g. the device closed), if there is one.
    public mutating func finish() -> [ATParserOutput] {
        endLine().map { [$0] } ?? []
    }

    /// Forgets any partial line (after a reset, or when the stream switches to voice data).
    public mutating func reset() {
        line.removeAll(keepingCapacity: true)
        overflow = 0
    }

    private mutating func endLine() -> ATParserOutput? {
        defer { reset() }
        if overflow > 0 {
            return .malformed(ATMalformedInput(
                reason: .overlong, bytes: Array(line.prefix(Self.maxReportedBytes)), length: line.count + overflow))
        }
        guard !line.isEmpty else { return nil }
        // Printable ASCII and tab only; anything else is line noise or a wrong baud rate.
        guard line.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }) else {
            return .malformed(ATMalformedInput(
                reason: .garbage, bytes: Array(line.prefix(Self.maxReportedBytes)), length: line.count))
        }
        let text = String(decoding: line, as: UTF8.self).trimmingSpaces
        guard !text.isEmpty else { return nil }
        return .response(Self.classify(text))
    }

    /// Classifies one complete, printable, trimmed line.
    public static func classify(_ text: String) -> ATResponse {
        switch text {
        case "OK": return .ok
        case "ERROR": return .error
        case "NO CARRIER": return .noCarrier
        case "BUSY": return .busy
        case "NO DIALTONE", "NO DIAL TONE": return .noDialtone
        case "NO ANSWER": return .noAnswer
        case "RING": return .ring
        case "CONNECT": return .connect(nil)
        case ">": return .prompt
        default: break
        }
        if text.hasPrefix("CONNECT ") { return .connect(String(text.dropFirst(8)).trimmingSpaces) }
        if text.hasPrefix("AT") || text.hasPrefix("at") { return .echo(text) }
        if text.hasPrefix("+") {
            let (name, value) = splitPrefixed(text)
            switch name {
            case "+CME ERROR": return .equipmentError(ATDeviceError(.equipment, field: value))
            case "+CMS ERROR": return .messageServiceError(ATDeviceError(.messageService, field: value))
            default: return .prefixed(name: name, value: value)
            }
        }
        return .text(text)
    }

    /// `+CMTI: "SM",3` → (`+CMTI`, `"SM",3`); `+CTXG` → (`+CTXG`, ``).
    private static func splitPrefixed(_ text: String) -> (String, String) {
        guard let colon = text.firstIndex(of: ":") else { return (text, "") }
        return (String(text[..<colon]).trimmingSpaces, String(text[text.index(after: colon)...]).trimmingSpaces)
    }
}

extension ATResponse {
    /// Splits a `+NAME:` value into its comma-separated fields, honouring double quotes
    /// (`"SM",3` → [`SM`, `3`]; `,,"a,b"` → [``, ``, `a,b`]). Quotes are removed.
    public static func fields(of value: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        for character in value {
            switch character {
            case "\"": quoted.toggle()
            case "," where !quoted:
                fields.append(current.trimmingSpaces)
                current = ""
            default: current.append(character)
            }
        }
        fields.append(current.trimmingSpaces)
        return fields
    }
}
