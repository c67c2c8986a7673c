/// One line (or prompt) a modem or radio terminal sent in command mode, classified.
///
/// The parser does not know which command is outstanding, so an information response such as
/// `+CMGR: 0,,24` and an unsolicited result such as `+CMTI: "SM",3` both arrive as
/// ``prefixed(name:value:)``; the driver's state machine decides which it is.
public enum ATResponse: Sendable, Hashable, CustomStringConvertible {
    /// Final result codes (ITU-T V.250 §5.7, verbose form).
    case ok
    case error
    case noCarrier
    case busy
    case noDialtone
    case noAnswer
    /// `CONNECT` with its optional text (`CONNECT 9600`).
    case connect(String?)
    /// `+CME ERROR: <err>` (3GPP TS 27.007 §9.2): numeric or verbose.
    case equipmentError(ATDeviceError)
    /// `+CMS ERROR: <err>` (3GPP TS 27.005 §3.2.5).
    case messageServiceError(ATDeviceError)
    /// `RING` (an incoming call's ring burst).
    case ring
    /// The `> ` prompt for text entry after `AT+CMGS=<length>`; it has no line end.
    case prompt
    /// The modem echoing a command back (a line starting with `AT`, before `ATE0` took effect).
    case echo(String)
    /// `+NAME: value` or `+NAME` — information responses and unsolicited results.
    case prefixed(name: String, value: String)
    /// Any other line: PDU hex, `NMBR = 01234`, a voice modem's `VCON`, a product name.
    case text(String)

    /// True for responses that end a command (V.250 final result codes).
    public var isFinal: Bool {
        switch self {
        case .ok, .error, .noCarrier, .busy, .noDialtone, .noAnswer, .connect, .equipmentError, .messageServiceError: true
        case .ring, .prompt, .echo, .prefixed, .text: false
        }
    }

    public var description: String {
        switch self {
        case .ok: "OK"
        case .error: "ERROR"
        case .noCarrier: "NO CARRIER"
        case .busy: "BUSY"
        case .noDialtone: "NO DIALTONE"
        case .noAnswer: "NO ANSWER"
        case .connect(let text): text.map { "CONNECT \($0)" } ?? "CONNECT"
        case .equipmentError(let error): "+CME ERROR: \(error)"
        case .messageServiceError(let error): "+CMS ERROR: \(error)"
        case .ring: "RING"
        case .prompt: "> "
        case .echo(let command): command
        case .prefixed(let name, let value): value.isEmpty ? name : "\(name): \(value)"
        case .text(let text): text
        }
    }
}

/// What the response parser produced from the byte stream: a response, or bytes it could not
/// accept (kept so the driver can log them in hex and count them).
public enum ATParserOutput: Sendable, Hashable {
    case response(ATResponse)
    case malformed(ATMalformedInput)
}

/// Bytes the parser rejected, with why. `bytes` is truncated to ``ATResponseParser/maxReportedBytes``.
public struct ATMalformedInput: Sendable, Hashable, CustomStringConvertible {
    public enum Reason: String, Sendable, Hashable {
        /// A line longer than the parser's limit; it was discarded up to the next line end.
        case overlong = "line too long"
        /// A line holding control or non-ASCII bytes (line noise, wrong baud rate).
        case garbage = "unprintable bytes"
    }

    public var reason: Reason
    /// The first bytes of the rejected input.
    public var bytes: [UInt8]
    /// How many bytes were rejected in all.
    public var length: Int

    public init(reason: Reason, bytes: [UInt8], length: Int) {
        self.reason = reason
        self.bytes = bytes
        self.length = length
    }

    /// The bytes as hex, for a log line (`41 54 ff …`).
    public var hex: String { ATMalformedInput.hex(bytes, total: length) }

    public var description: String { "\(reason.rawValue) (\(length) bytes): \(hex)" }

    /// Hex dump of `bytes`, with "…" when `total` says more were received than shown.
    public static func hex(_ bytes: [UInt8], total: Int) -> String {
        let digits = Array("0123456789abcdef")
        let shown = bytes.map { String([digits[Int($0 >> 4)], digits[Int($0 & 0xF)]]) }.joined(separator: " ")
        return total > bytes.count ? shown + " …" : shown
    }
}
