/// DLE shielding of a voice modem's data stream (ITU-T V.253 voice mode, inherited from IS-101).
///
/// Once `AT+VRX` or `AT+VTX` has answered `CONNECT`, audio flows as raw bytes. The byte DLE
/// (0x10) starts a two-byte *shielded code*: `<DLE><DLE>` is one 0x10 data byte, `<DLE><SUB>`
/// two of them, `<DLE><ETX>` ends the stream (the modem returns to command mode and sends a
/// result code), and any other `<DLE>x` is an event — a DTMF digit, a tone detected on the line
/// (`b` busy, `d` dial tone, `s` silence, `t` TDD, `L` loop polarity reversal, …).
///
/// In the other direction the host doubles every DLE in the audio it sends, ends a transmission
/// with `<DLE><ETX>`, and stops a receive with `<DLE>!`.
public enum VoiceModemShielding {
    /// Data link escape, the byte that starts every shielded code.
    public static let dle: UInt8 = 0x10
    /// End of text: `<DLE><ETX>` ends a voice data stream.
    public static let etx: UInt8 = 0x03
    /// Substitute: `<DLE><SUB>` stands for two 0x10 data bytes.
    public static let sub: UInt8 = 0x1A
    /// Cancel: `<DLE><CAN>` tells the modem to discard the audio it has buffered for sending.
    public static let can: UInt8 = 0x18

    /// `<DLE><ETX>`: the host's end of a transmitted stream (the modem then answers `OK`).
    public static let endOfStream: [UInt8] = [dle, etx]
    /// `<DLE>!`: the host asks the modem to stop voice receive; the modem ends the stream with
    /// `<DLE><ETX>` and answers `OK` in command mode.
    public static let receiveAbort: [UInt8] = [dle, UInt8(ascii: "!")]
    /// `<DLE><CAN><DLE><ETX>`: discard the buffered transmit audio and end the transmission now.
    public static let transmitAbort: [UInt8] = [dle, can, dle, etx]

    /// Shields audio bytes for transmission: every DLE is doubled. Does not add `<DLE><ETX>`.
    public static func encode(_ data: some Sequence<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.underestimatedCount + data.underestimatedCount / 64 + 2)
        for byte in data {
            out.append(byte)
            if byte == dle { out.append(dle) }
        }
        return out
    }

    /// A whole transmission: the shielded audio followed by `<DLE><ETX>`.
    public static func encodeStream(_ data: some Sequence<UInt8>) -> [UInt8] {
        encode(data) + endOfStream
    }
}

/// Splits a received voice data stream into audio bytes and shielded codes, up to its
/// `<DLE><ETX>`.
///
/// A value type with no I/O: feed it the stream in any chunking (a `<DLE>` at the end of one
/// chunk pairs with the first byte of the next) and it gives the same items, except that data
/// runs are split where the chunks are.
public struct VoiceModemShieldingDecoder: Sendable, Hashable {
    /// One piece of the decoded stream.
    public enum Item: Sendable, Hashable {
        /// Audio bytes in the modem's sample format (DLE DLE and DLE SUB already unshielded).
        case data([UInt8])
        /// A shielded code other than DLE, SUB and ETX: the byte after the DLE.
        case code(UInt8)
        /// `<DLE><ETX>`: the stream ended; what follows is command-mode text.
        case endOfStream
    }

    private var pendingDLE = false

    public init() {}

    /// True when the last byte fed was a DLE still waiting for its partner.
    public var hasPendingDLE: Bool { pendingDLE }

    /// Forgets a pending DLE (the stream was abandoned).
    public mutating func reset() { pendingDLE = false }

    /// Decodes `bytes` up to and including the first `<DLE><ETX>`. Returns the items and the
    /// bytes after the end of the stream (empty unless `.endOfStream` is the last item).
    public mutating func decode(_ bytes: ArraySlice<UInt8>) -> (items: [Item], remainder: ArraySlice<UInt8>) {
        var items: [Item] = []
        var run: [UInt8] = []
        func flush() {
            if !run.isEmpty {
                items.append(.data(run))
                run.removeAll(keepingCapacity: true)
            }
        }
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            if pendingDLE {
                pendingDLE = false
                switch byte {
                case VoiceModemShielding.dle:
                    run.append(VoiceModemShielding.dle)
                case VoiceModemShielding.sub:
                    run.append(VoiceModemShielding.dle)
                    run.append(VoiceModemShielding.dle)
                case VoiceModemShielding.etx:
                    flush()
                    items.append(.endOfStream)
                    return (items, bytes[index...])
                default:
                    flush()
                    items.append(.code(byte))
                }
            } else if byte == VoiceModemShielding.dle {
                pendingDLE = true
            } else {
                run.append(byte)
            }
        }
        flush()
        return (items, bytes[bytes.endIndex...])
    }

    /// Decodes a whole buffer (see ``decode(_:)-(ArraySlice<UInt8>)``).
    public mutating func decode(_ bytes: [UInt8]) -> (items: [Item], remainder: ArraySlice<UInt8>) {
        decode(bytes[...])
    }
}

/// A tone or line condition a voice modem reports with a shielded code during voice mode.
public enum VoiceModemTone: Sendable, Hashable, CustomStringConvertible {
    /// `<DLE>b`: busy (engaged) tone — the far end has cleared on most exchanges.
    case busy
    /// `<DLE>d`: dial tone — the far end has cleared and the exchange offers a new call.
    case dialTone
    /// `<DLE>s`: silence for the modem's silence-detection time (`AT+VSD`).
    case silence
    /// `<DLE>t`: a TDD (Baudot textphone) signal.
    case tdd
    /// `<DLE>L`: loop-current polarity reversal — on UK lines the exchange's clear signal.
    case polarityReversal
    /// Any other printable code (fax/data tones `a` `c` `e` `f`, ringback `r`, timing mark `T`,
    /// buffer over/underrun `o` `u`, …): reported for the log, otherwise ignored.
    case other(UInt8)

    /// The tone a shielded code reports, or nil for DTMF digits and for bytes that are not
    /// printable ASCII (line noise, which the driver reports as malformed).
    public init?(code: UInt8) {
        guard code >= 0x20, code < 0x7F, VoiceModemTone.dtmfDigit(code: code) == nil else { return nil }
        switch code {
        case UInt8(ascii: "b"): self = .busy
        case UInt8(ascii: "d"): self = .dialTone
        case UInt8(ascii: "s"): self = .silence
        case UInt8(ascii: "t"): self = .tdd
        case UInt8(ascii: "L"): self = .polarityReversal
        default: self = .other(code)
        }
    }

    /// The DTMF digit a shielded code reports (`0`–`9`, `*`, `#`, `A`–`D`), or nil.
    public static func dtmfDigit(code: UInt8) -> Character? {
        switch code {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "*"), UInt8(ascii: "#"),
            UInt8(ascii: "A")...UInt8(ascii: "D"):
            return Character(Unicode.Scalar(code))
        default:
            return nil
        }
    }

    /// The shielded code byte (for `.other`, the byte received).
    public var code: UInt8 {
        switch self {
        case .busy: UInt8(ascii: "b")
        case .dialTone: UInt8(ascii: "d")
        case .silence: UInt8(ascii: "s")
        case .tdd: UInt8(ascii: "t")
        case .polarityReversal: UInt8(ascii: "L")
        case .other(let code): code
        }
    }

    public var description: String {
        switch self {
        case .busy: "busy tone"
        case .dialTone: "dial tone"
        case .silence: "silence"
        case .tdd: "TDD tone"
        case .polarityReversal: "polarity reversal"
        case .other(let code): "shielded code \(Character(Unicode.Scalar(code)))"
        }
    }
}
