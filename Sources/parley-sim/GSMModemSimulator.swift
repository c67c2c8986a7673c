import ArgumentParser
import Foundation
import ParleyDevices

/// The far end of an SMS line, without I/O: a GSM modem in PDU mode (3GPP TS 27.005) with a
/// texter on the other side. It answers the driver's set-up with OK, then delivers the text as a
/// concatenated SMS of two or more parts (SMS-DELIVER PDUs built here, TS 23.040: GSM 7-bit with
/// a user data header `05 00 03 ref total seq`), announcing the parts out of order (`+CMTI` for
/// the last part first). It answers `AT+CMGR`, `AT+CMGD` and `AT+CMGS` as a modem would.
///
/// Time is injected: ``receive(_:at:)`` and ``tick(at:)`` take the time since start.
struct GSMModemSimulator {
    struct Settings: Sendable {
        /// The sender, `+` and digits for an international number.
        var from: String
        var text: String
        /// Delay from the driver's set-up to the first message.
        var firstMessageAfter: Duration = .seconds(2)
        /// Another copy of the message this often; nil: once.
        var every: Duration?
    }

    private enum Mode: Equatable {
        case command
        /// After `AT+CMGS=<length>`: collecting the PDU until Ctrl-Z.
        case submitting(length: Int)
    }

    let settings: Settings
    private var mode = Mode.command
    private var line: [UInt8] = []
    private var storage: [Int: String] = [:]  // index → PDU hex (SMSC prefix included)
    private var nextIndex = 1
    private var reference: UInt8 = 0x41
    private var messageReference = 0
    private var nextMessageAt: Duration?
    private var initialised = false
    /// `+CMTI` lines waiting, with when to send them.
    private var announcements: [(at: Duration, index: Int)] = []

    init(settings: Settings) {
        self.settings = settings
    }

    // MARK: From the host

    mutating func receive(_ bytes: [UInt8], at now: Duration) -> VoiceModemSimulator.Output {
        var output = VoiceModemSimulator.Output()
        for byte in bytes {
            switch mode {
            case .submitting(let length):
                if byte == 0x1A {
                    mode = .command
                    messageReference = (messageReference + 1) % 256
                    let pdu = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    line = []
                    output.bytes += Array("\r\n+CMGS: \(messageReference)\r\n\r\nOK\r\n".utf8)
                    output.log.append("sent (\(length) octets): \(Self.describeSubmit(pdu))")
                } else if byte == 0x1B {
                    mode = .command
                    line = []
                    output.bytes += Array("\r\nOK\r\n".utf8)
                } else if byte != 0x0D, byte != 0x0A {
                    line.append(byte)
                }
            case .command:
                if byte == 0x0D {
                    let command = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces).uppercased()
                    line = []
                    if !command.isEmpty { output.append(execute(command, at: now)) }
                } else if byte != 0x0A, line.count < 256 {
                    line.append(byte)
                }
            }
        }
        return output
    }

    private mutating func execute(_ command: String, at now: Duration) -> VoiceModemSimulator.Output {
        let ok = Array("\r\nOK\r\n".utf8)
        if command.hasPrefix("AT+CMGR="), let index = Int(command.dropFirst(8)) {
            guard let pdu = storage[index] else { return .init(bytes: Array("\r\n+CMS ERROR: 321\r\n".utf8)) }
            let tpduLength = pdu.utf8.count / 2 - 1  // Less the empty SMSC field, 00.
            return .init(bytes: Array("\r\n+CMGR: 0,,\(tpduLength)\r\n\(pdu)\r\n\r\nOK\r\n".utf8), log: ["host read \(index)"])
        }
        if command.hasPrefix("AT+CMGD="), let index = Int(command.dropFirst(8).prefix { $0 != "," }) {
            storage[index] = nil
            return .init(bytes: ok, log: ["host deleted \(index)"])
        }
        if command.hasPrefix("AT+CMGS="), let length = Int(command.dropFirst(8)) {
            mode = .submitting(length: length)
            return .init(bytes: Array("\r\n> ".utf8))
        }
        if command == "AT+CMGL=4", !initialised {
            initialised = true
            nextMessageAt = now + settings.firstMessageAfter
        }
        return .init(bytes: ok)
    }

    // MARK: Time

    /// Messages and announcements due by `now`.
    mutating func tick(at now: Duration) -> VoiceModemSimulator.Output {
        var output = VoiceModemSimulator.Output()
        guard mode == .command else { return output }
        if let due = nextMessageAt, now >= due {
            nextMessageAt = settings.every.map { now + $0 }
            let parts = Self.deliverPDUs(text: settings.text, from: settings.from, reference: reference)
            reference &+= 1
            var indices: [Int] = []
            for pdu in parts {
                storage[nextIndex] = pdu
                indices.append(nextIndex)
                nextIndex += 1
            }
            // The last part is announced first, the others half a second apart after it.
            for (order, index) in indices.reversed().enumerated() {
                announcements.append((now + .milliseconds(500 * order), index))
            }
            output.log.append("message from \(settings.from) in \(parts.count) parts at \(indices), announced out of order")
        }
        while let first = announcements.first, now >= first.at {
            announcements.removeFirst()
            output.bytes += Array("\r\n+CMTI: \"SM\",\(first.index)\r\n".utf8)
        }
        return output
    }

    // MARK: PDUs

    /// SMS-DELIVER PDUs (hex, each with an empty SMSC field `00`) carrying `text` in at least
    /// two parts. Characters outside the GSM 7-bit alphabet are sent as `?`.
    static func deliverPDUs(text: String, from: String, reference: UInt8) -> [String] {
        let characters = text.map { GSMAlphabet.septets(for: String($0)) ?? [0x3F] }
        // At most 153 septets a part, and at least two parts.
        var parts: [[UInt8]] = []
        var current: [UInt8] = []
        let total = characters.reduce(0) { $0 + $1.count }
        let size = min(153, max(1, (total + 1) / 2))
        for septets in characters {
            if current.count + septets.count > size, !current.isEmpty {
                parts.append(current)
                current = []
            }
            current += septets
        }
        parts.append(current)

        let digits = from.filter(\.isNumber)
        var address = [UInt8(digits.count), from.hasPrefix("+") ? 0x91 : 0x81]
        address += semiOctets(digits)
        // 2026-01-01 12:00:00 UTC.
        let timestamp = semiOctets("260101120000") + [0x00]
        return parts.enumerated().map { sequence, septets in
            let header: [UInt8] = [0x05, 0x00, 0x03, reference, UInt8(parts.count), UInt8(sequence + 1)]
            // The 6-octet header takes 7 septets (one fill bit).
            let userData = header + GSMAlphabet.pack(septets, fillBits: 1)
            let tpdu = [0x44] + address + [0x00, 0x00] + timestamp + [UInt8(7 + septets.count)] + userData
            return ([0x00] + tpdu).map { String(format: "%02X", $0) }.joined()
        }
    }

    /// Digits as swapped semi-octets, padded with F.
    static func semiOctets(_ digits: String) -> [UInt8] {
        let values = digits.compactMap(\.wholeNumberValue).map(UInt8.init)
        return stride(from: 0, to: values.count, by: 2).map { index in
            values[index] | ((index + 1 < values.count ? values[index + 1] : 0x0F) << 4)
        }
    }

    /// The recipient and text of an SMS-SUBMIT PDU, read as far as it can be (for the log).
    static func describeSubmit(_ hex: String) -> String {
        let octets = stride(from: 0, to: hex.utf8.count - 1, by: 2).compactMap { offset -> UInt8? in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)
        }
        var position = 0
        func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard position + count <= octets.count else { return nil }
            defer { position += count }
            return octets[position..<(position + count)]
        }
        guard let smsc = take(1)?.first, take(Int(smsc)) != nil, let first = take(1)?.first, take(1) != nil,
              let digitCount = take(1)?.first, let toa = take(1)?.first, let number = take((Int(digitCount) + 1) / 2),
              take(1) != nil, let coding = take(1)?.first
        else { return hex }
        if first & 0x18 == 0x10 { _ = take(1) } else if first & 0x18 != 0 { _ = take(7) }
        let recipient = (toa == 0x91 ? "+" : "") + number.flatMap { [$0 & 0x0F, $0 >> 4] }.prefix(Int(digitCount)).map(String.init).joined()
        guard let length = take(1)?.first, coding & 0x0C == 0 else { return "to \(recipient): \(hex)" }
        let userData = Array(octets[position...])
        var headerSeptets = 0
        var fill = 0
        if first & 0x40 != 0, let headerLength = userData.first {
            let headerBits = (Int(headerLength) + 1) * 8
            headerSeptets = (headerBits + 6) / 7
            fill = headerSeptets * 7 - headerBits
        }
        let skip = headerSeptets == 0 ? 0 : Int(userData[0]) + 1
        guard let septets = GSMAlphabet.unpack(userData.dropFirst(skip), count: Int(length) - headerSeptets, fillBits: fill)
        else { return "to \(recipient): \(hex)" }
        return "to \(recipient): \(GSMAlphabet.decode(septets).debugDescription)"
    }
}

/// `parley-sim gsm-modem`: a GSM modem that receives a multi-part SMS, on a pseudo-terminal.
struct GSMModemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gsm-modem",
        abstract: "Simulate a GSM modem (SMS, PDU mode) and a texter on a pseudo-terminal.",
        discussion: """
            Opens a pty and points --link at its slave (an SMS line's modem.device). Answers the \
            driver's set-up, then delivers --text as a concatenated SMS in two or more parts, \
            announcing the last part first (+CMTI). Replies the host sends (AT+CMGS) are printed. \
            Stops on SIGINT/SIGTERM and removes the link.
            """
    )

    @Option(help: ArgumentHelp("Symlink to create to the pty (its directory is created).", valueName: "path"))
    var link: String

    @Option(help: ArgumentHelp("The sender's number.", valueName: "number"))
    var from = "+447700900123"

    @Option(help: "The message (sent in at least two parts).")
    var text = "HELP there is a man with a knife outside the Red Lion on High Street, I cannot talk, please send someone"

    @Option(help: "Seconds from the modem's set-up to the message.")
    var delay: Double = 2

    @Option(help: "Send the message again every this many seconds (default: once).")
    var every: Double?

    func validate() throws {
        guard from.contains(where: \.isNumber), from.allSatisfy({ $0.isNumber || $0 == "+" }) else {
            throw ValidationError("--from must be digits, with + in front for an international number")
        }
        guard text.count >= 2 else { throw ValidationError("--text needs at least two characters (it is split in two)") }
        guard delay >= 0, (every ?? 1) > 0 else { throw ValidationError("--delay and --every are seconds ≥ 0") }
    }

    func run() throws {
        var simulator = GSMModemSimulator(settings: .init(
            from: from, text: text, firstMessageAfter: .seconds(delay), every: every.map { .seconds($0) }))
        let label = URL(fileURLWithPath: link).deletingPathExtension().lastPathComponent
        let port = try SimulatedModemPort(link: link)
        defer { port.close() }
        RadioCommand.say("parley-sim: \(label): GSM modem on \(port.slavePath), linked from \(link)")
        port.serve { bytes, now in
            var output = simulator.receive(bytes, at: now)
            output.append(simulator.tick(at: now))
            for line in output.log { RadioCommand.say("parley-sim: \(label): \(line)") }
            return output.bytes
        }
        RadioCommand.say("parley-sim: \(label): stopped")
    }
}
