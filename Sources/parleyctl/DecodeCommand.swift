import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ParleyCore
import ParleyDSP

/// `parleyctl decode`: runs Parley's own decoders over a WAV file, offline, so an engineer can
/// see what the daemon would make of a recording (a textphone call, a caller-ID burst).
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode TTY, V.21 textphone, caller-ID, DTMF or 5-tone selcall audio in a WAV file (offline, no daemon).",
        discussion: """
            Reads 16-bit PCM mono WAV at any sample rate (convert other files with \
            sox IN.wav -b 16 -c 1 OUT.wav) and prints what Parley's decoders find, with the time \
            in seconds from the start of the file:
              tty       one line per message: speed, text, the raw 5-bit codes
              v21       one line per message and channel: text, parity errors
              callerid  one line per burst: standard, number, name, date/time, checksum
              dtmf      one line per digit string (digits less than a second apart): the
                        digits, its end, and when each digit started
              ccir, zvei1, eea
                        one line per 5-tone selcall id: the id, the tones as sent (E is the
                        repeat tone), its end
            A message ends where more than a second passes without a character. With --json, one \
            JSON object per line and detection, with the same fields.

            Exit status: 0 when the file was decoded (even if nothing was found); 1 when the file \
            cannot be read or is not 16-bit PCM mono WAV (the reason is printed); 2 usage error.
            """)

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case tty, v21, callerid, dtmf, ccir, zvei1, eea

        var selcallStandard: SelcallStandard? {
            switch self {
            case .ccir: .ccir
            case .zvei1: .zvei1
            case .eea: .eea
            case .tty, .v21, .callerid, .dtmf: nil
            }
        }
    }

    enum Table: String, ExpressibleByArgument, CaseIterable {
        case us, ita2
        var baudot: BaudotTable { self == .us ? .usTTY : .ita2 }
    }

    enum ChannelChoice: String, ExpressibleByArgument, CaseIterable {
        case one = "1", two = "2", both
        var channels: Set<V21Channel> {
            switch self {
            case .one: [.channel1]
            case .two: [.channel2]
            case .both: Set(V21Channel.allCases)
            }
        }
    }

    @Option(help: ArgumentHelp(
        "What to look for: tty (Baudot 45.45/50 baud), v21 (V.21 textphone), callerid (V.23 / Bell 202 FSK), dtmf, or 5-tone selcall ccir, zvei1 or eea.",
        valueName: "mode"))
    var mode: Mode

    @Argument(help: ArgumentHelp("The recording: 16-bit PCM mono WAV, any sample rate.", valueName: "file.wav"), completion: .file(extensions: ["wav"]))
    var file: String

    @Flag(name: .long, help: "Print one JSON object per detection, one per line.")
    var json = false

    @Option(help: ArgumentHelp("TTY figures table: us (US TTY / TDD, the default) or ita2.", valueName: "table"))
    var table: Table?

    @Option(name: .customLong("v21-channel"), help: ArgumentHelp("V.21 channel to read: 1 (caller, 980/1180 Hz), 2 (answerer, 1650/1850 Hz) or both (the default).", valueName: "channel"))
    var v21Channel: ChannelChoice?

    func validate() throws {
        if table != nil, mode != .tty { throw ValidationError("--table applies to --mode tty only") }
        if v21Channel != nil, mode != .v21 { throw ValidationError("--v21-channel applies to --mode v21 only") }
    }

    func run() throws {
        let reader = try WAVReader(path: file)
        let minimumRate = [.callerid, .dtmf, .ccir, .zvei1, .eea].contains(mode) ? 6000 : 4000
        guard reader.sampleRate >= minimumRate else {
            throw ParleyctlError.badInput(
                "\(file) is sampled at \(reader.sampleRate) Hz; --mode \(mode.rawValue) needs at least \(minimumRate) Hz — "
                    + "resample it with: sox \(file) -r 8000 out.wav")
        }
        let sampleRate = Double(reader.sampleRate)
        var decoder: any OfflineDecoder = switch mode {
        case .tty: TTYOfflineDecoder(sampleRate: sampleRate, table: (table ?? .us).baudot)
        case .v21: V21OfflineDecoder(sampleRate: sampleRate, channels: (v21Channel ?? .both).channels)
        case .callerid: CallerIDOfflineDecoder(sampleRate: sampleRate)
        case .dtmf: DTMFOfflineDecoder(sampleRate: sampleRate)
        case .ccir, .zvei1, .eea: SelcallOfflineDecoder(sampleRate: sampleRate, standard: mode.selcallStandard ?? .ccir)
        }
        while let block = try reader.next() {
            decoder.feed(block)
            Output.progress("decoding \(file): \(Output.percent(Int64(reader.samplesRead), of: Int64(max(1, reader.sampleCount))))")
        }
        Output.endProgress()
        let findings = decoder.finish().enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        let length = Decoding.seconds(Duration.nanoseconds(Int64(reader.samplesRead) * 1_000_000_000 / Int64(reader.sampleRate)))
        if json {
            for finding in findings { Output.json(finding.json) }
            if findings.isEmpty { Output.standardError("parleyctl: nothing decoded in \(file) (\(length) s at \(reader.sampleRate) Hz)\n") }
        } else {
            for finding in findings { print(finding.line) }
            let summary = findings.isEmpty ? "nothing decoded" : "\(findings.count) found"
            print("\(summary) in \(length) s of audio at \(reader.sampleRate) Hz (\(mode.rawValue))")
        }
    }
}

extension ParleyctlError {
    /// 1: the input file cannot be decoded.
    static let badInputCode: Int32 = 1
    static func badInput(_ message: String) -> ParleyctlError { ParleyctlError(description: message, exitCode: badInputCode) }
}

// MARK: - Findings

/// One thing a decoder found: when, a human line and the same as JSON.
struct Finding {
    var time: Duration
    var line: String
    var json: JSONValue
}

/// A decoder fed a whole file block by block.
protocol OfflineDecoder {
    mutating func feed(_ samples: [Int16])
    /// Everything found, in any order.
    mutating func finish() -> [Finding]
}

enum Decoding {
    /// A new message starts when more than this passes between characters.
    static let messageGap = 1.0

    /// `12.345` (seconds, three decimals).
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = max(0, duration.wholeMilliseconds)
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// Seconds as a JSON number, to the millisecond.
    static func jsonSeconds(_ duration: Duration) -> JSONValue {
        .double(Double(duration.wholeMilliseconds) / 1000)
    }

    /// `"text"` with control characters escaped (`\r`, `\n`, `\u{7}`).
    static func quoted(_ text: String) -> String { text.debugDescription }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count < 2 ? "0" + digits : digits
        }.joined(separator: " ")
    }
}

// MARK: - TTY

struct TTYOfflineDecoder: OfflineDecoder {
    private var demodulator: BaudotDemodulator
    private let sampleRate: Double
    private var message: [BaudotDemodulator.Received] = []
    private var findings: [Finding] = []

    init(sampleRate: Double, table: BaudotTable) {
        self.sampleRate = sampleRate
        self.demodulator = BaudotDemodulator(configuration: .init(sampleRate: sampleRate, table: table))
    }

    mutating func feed(_ samples: [Int16]) {
        for frame in demodulator.process(samples) {
            if let last = message.last {
                let lastEnd = Double(last.startSample) + 8 * sampleRate / last.rate.bitsPerSecond
                if last.rate != frame.rate || Double(frame.startSample) - lastEnd > Decoding.messageGap * sampleRate {
                    flush()
                }
            }
            message.append(frame)
        }
    }

    mutating func finish() -> [Finding] {
        flush()
        return findings
    }

    private mutating func flush() {
        guard let first = message.first else { return }
        let text = BaudotDemodulator.text(of: message)
        let rate = first.rate == .baud45 ? "45.45" : "50"
        findings.append(Finding(
            time: first.time,
            line: "\(Decoding.seconds(first.time))  \(first.rate)  \(Decoding.quoted(text))  codes \(message.map(\.code.description).joined(separator: " "))",
            json: .object([
                "mode": "tty", "time": Decoding.jsonSeconds(first.time), "baud": .string(rate), "text": .string(text),
                "codes": .array(message.map { .int(Int64($0.code.rawValue)) }),
            ])))
        message = []
    }
}

// MARK: - V.21

struct V21OfflineDecoder: OfflineDecoder {
    private var demodulator: V21Demodulator
    private let sampleRate: Double
    private var messages: [V21Channel: [V21Demodulator.Received]] = [:]
    private var findings: [Finding] = []

    init(sampleRate: Double, channels: Set<V21Channel>) {
        self.sampleRate = sampleRate
        self.demodulator = V21Demodulator(configuration: .init(sampleRate: sampleRate, channels: channels))
    }

    mutating func feed(_ samples: [Int16]) {
        let frameLength = 10 * sampleRate / V21Channel.bitsPerSecond
        for character in demodulator.process(samples) {
            if let last = messages[character.channel]?.last,
               Double(character.startSample - last.startSample) - frameLength > Decoding.messageGap * sampleRate {
                flush(character.channel)
            }
            messages[character.channel, default: []].append(character)
        }
    }

    mutating func finish() -> [Finding] {
        for channel in V21Channel.allCases { flush(channel) }
        return findings
    }

    private mutating func flush(_ channel: V21Channel) {
        guard let message = messages.removeValue(forKey: channel), let first = message.first else { return }
        let text = V21Demodulator.text(of: message)
        let errors = message.indices.filter { !message[$0].parityOK }
        var line = "\(Decoding.seconds(first.time))  \(channel)  \(Decoding.quoted(text))"
        if errors.isEmpty {
            line += "  parity OK"
        } else {
            let listed = errors.map { index in
                let received = message[index]
                return "#\(index + 1) \(Decoding.hex([received.byte]))" + (received.character.map { " \(Decoding.quoted(String($0)))" } ?? "")
            }
            line += "  \(errors.count) parity error\(errors.count == 1 ? "" : "s") (shown as \u{FFFD}): " + listed.joined(separator: ", ")
        }
        findings.append(Finding(
            time: first.time, line: line,
            json: .object([
                "mode": "v21", "time": Decoding.jsonSeconds(first.time), "channel": .int(Int64(channel.rawValue)),
                "text": .string(text), "bytes": .array(message.map { .int(Int64($0.byte)) }),
                "parity_errors": .array(errors.map { .int(Int64($0)) }),
            ])))
    }
}

// MARK: - Caller ID

struct CallerIDOfflineDecoder: OfflineDecoder {
    private var decoder: CallerIDDecoder
    private var findings: [Finding] = []

    init(sampleRate: Double) {
        self.decoder = CallerIDDecoder(configuration: .init(sampleRate: sampleRate))
    }

    mutating func feed(_ samples: [Int16]) {
        for detection in decoder.process(samples) { record(detection) }
    }

    mutating func finish() -> [Finding] {
        for detection in decoder.finish() { record(detection) }
        return findings
    }

    private mutating func record(_ detection: CallerIDDecoder.Detection) {
        let standard = detection.standard == .v23 ? "V.23" : "Bell 202"
        var parts = [Decoding.seconds(detection.time), standard]
        if detection.alertToneBefore { parts.append("after alert tone") }
        if let format = detection.frame?.format { parts.append(format.rawValue.uppercased()) }
        let callerID = detection.callerID
        if let callerID {
            if let number = callerID.number {
                parts.append("number \(number)")
            } else {
                parts.append("number \(callerID.numberAbsence.map(\.rawValue) ?? "not sent")")
            }
            if let name = callerID.name {
                parts.append("name \(Decoding.quoted(name))")
            } else {
                parts.append("name \(callerID.nameAbsence.map(\.rawValue) ?? "not sent")")
            }
            if let time = callerID.time { parts.append("date/time \(time) (MMDDHHMM)") }
        }
        parts.append(detection.checksumValid ? "checksum OK" : "checksum BAD")
        if callerID == nil || !detection.checksumValid { parts.append("bytes \(Decoding.hex(detection.bytes))") }
        if let problem = detection.problem { parts.append("problem: \(problem)") }

        func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        findings.append(Finding(
            time: detection.time, line: parts.joined(separator: "  "),
            json: .object([
                "mode": "callerid", "time": Decoding.jsonSeconds(detection.time), "standard": .string(detection.standard.rawValue),
                "alert_tone_before": .bool(detection.alertToneBefore), "format": optional(detection.frame?.format?.rawValue),
                "checksum_valid": .bool(detection.checksumValid), "bytes": .array(detection.bytes.map { .int(Int64($0)) }),
                "date_time": optional(callerID?.time?.description), "number": optional(callerID?.number),
                "number_absence": optional(callerID?.numberAbsence?.rawValue), "name": optional(callerID?.name),
                "name_absence": optional(callerID?.nameAbsence?.rawValue), "problem": optional(detection.problem),
            ])))
    }
}

// MARK: - DTMF

struct DTMFOfflineDecoder: OfflineDecoder {
    private var decoder: DTMFDecoder
    private var detections: [DTMFDecoder.Detection] = []

    init(sampleRate: Double) {
        self.decoder = DTMFDecoder(configuration: .init(sampleRate: sampleRate))
    }

    mutating func feed(_ samples: [Int16]) {
        detections += decoder.process(samples)
    }

    mutating func finish() -> [Finding] {
        detections += decoder.finish()
        var findings: [Finding] = []
        var index = 0
        for string in DTMFDecoder.strings(of: detections, gap: .seconds(Decoding.messageGap)) {
            let digits = detections[index..<index + string.digits.count]
            index += string.digits.count
            let starts = digits.map { Decoding.seconds($0.startTime) }
            findings.append(Finding(
                time: string.startTime,
                line: "\(Decoding.seconds(string.startTime))  DTMF  \(Decoding.quoted(string.digits))  "
                    + "ends \(Decoding.seconds(string.endTime))  digits at \(starts.joined(separator: " "))",
                json: .object([
                    "mode": "dtmf", "time": Decoding.jsonSeconds(string.startTime), "end": Decoding.jsonSeconds(string.endTime),
                    "digits": .string(string.digits),
                    "digit_times": .array(digits.map { Decoding.jsonSeconds($0.startTime) }),
                    "digit_ends": .array(digits.map { Decoding.jsonSeconds($0.endTime) }),
                ])))
        }
        return findings
    }
}

// MARK: - Selcall

struct SelcallOfflineDecoder: OfflineDecoder {
    private var decoder: SelcallDecoder
    private var findings: [Finding] = []

    init(sampleRate: Double, standard: SelcallStandard) {
        self.decoder = SelcallDecoder(configuration: .init(sampleRate: sampleRate, standard: standard))
    }

    mutating func feed(_ samples: [Int16]) {
        for detection in decoder.process(samples) { record(detection) }
    }

    mutating func finish() -> [Finding] {
        for detection in decoder.finish() { record(detection) }
        return findings
    }

    private mutating func record(_ detection: SelcallDecoder.Detection) {
        findings.append(Finding(
            time: detection.startTime,
            line: "\(Decoding.seconds(detection.startTime))  \(detection.standard)  id \(detection.id)  tones \(detection.tones)  "
                + "ends \(Decoding.seconds(detection.endTime))",
            json: .object([
                "mode": .string(detection.standard.rawValue), "time": Decoding.jsonSeconds(detection.startTime),
                "end": Decoding.jsonSeconds(detection.endTime), "id": .string(detection.id), "tones": .string(detection.tones),
            ])))
    }
}

// MARK: - WAV input

/// Reads 16-bit PCM mono WAV block by block, walking the RIFF chunks (sox, minimodem and
/// recorders put `LIST` and other chunks before the audio). Anything else is refused with what
/// to do about it.
final class WAVReader {
    let path: String
    private(set) var sampleRate = 0
    /// Samples the data chunk says it holds (the file may end sooner).
    private(set) var sampleCount = 0
    private(set) var samplesRead = 0
    private let fd: Int32
    private var remainingBytes = 0

    private static let blockBytes = 1 << 16

    init(path: String) throws(ParleyctlError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .badInput("cannot open \(path): \(ControlClient.errnoText())") }
        self.fd = fd
        try readHeader()
    }

    deinit { close(fd) }

    /// The next block of samples; nil at the end of the audio.
    func next() throws(ParleyctlError) -> [Int16]? {
        guard remainingBytes > 1 else { return nil }
        let bytes = try readBytes(min(Self.blockBytes, remainingBytes & ~1))
        remainingBytes = bytes.count < min(Self.blockBytes, remainingBytes & ~1) ? 0 : remainingBytes - bytes.count
        let count = bytes.count / 2
        guard count > 0 else { return nil }
        samplesRead += count
        return (0..<count).map { Int16(bitPattern: UInt16(bytes[2 * $0]) | UInt16(bytes[2 * $0 + 1]) << 8) }
    }

    private var convert: String { "convert it with: sox \(path) -b 16 -c 1 -e signed-integer out.wav" }

    private func readHeader() throws(ParleyctlError) {
        let riff = try readBytes(12)
        guard riff.count == 12, riff[0..<4].elementsEqual("RIFF".utf8), riff[8..<12].elementsEqual("WAVE".utf8) else {
            throw .badInput("\(path) is not a WAV file (no RIFF/WAVE header); decode reads 16-bit PCM mono WAV — \(convert)")
        }
        var format: (tag: Int, channels: Int, rate: Int, bits: Int)?
        while true {
            let header = try readBytes(8)
            guard header.count == 8 else { throw .badInput("\(path) has no audio (no data chunk); is the file complete?") }
            let id = String(decoding: header[0..<4], as: UTF8.self)
            let size = Self.u32(header, 4)
            switch id {
            case "fmt ":
                let body = try readBytes(min(size, 1024))
                guard body.count >= 16 else { throw .badInput("\(path) has a damaged format chunk; \(convert)") }
                var tag = Self.u16(body, 0)
                if tag == 0xFFFE, body.count >= 26 { tag = Self.u16(body, 24) } // WAVE_FORMAT_EXTENSIBLE: the sub-format
                format = (tag, Self.u16(body, 2), Self.u32(body, 4), Self.u16(body, 14))
                try skip(size - body.count + (size & 1))
            case "data":
                guard let format else { throw .badInput("\(path) has audio before its format chunk; \(convert)") }
                try check(format)
                sampleRate = format.rate
                sampleCount = size / 2
                remainingBytes = size
                return
            default:
                try skip(size + (size & 1))
            }
        }
    }

    private func check(_ format: (tag: Int, channels: Int, rate: Int, bits: Int)) throws(ParleyctlError) {
        let encodings = [1: "PCM", 3: "32-bit float", 6: "A-law", 7: "µ-law", 2: "ADPCM", 0x11: "IMA ADPCM", 0x55: "MP3"]
        var problems: [String] = []
        if format.tag != 1 { problems.append("\(encodings[format.tag] ?? "format \(format.tag)") encoding") }
        if format.channels != 1 { problems.append("\(format.channels) channels") }
        if format.tag == 1, format.bits != 16 { problems.append("\(format.bits)-bit samples") }
        guard problems.isEmpty else {
            throw .badInput("\(path) has \(problems.joined(separator: ", ")); decode reads 16-bit PCM mono WAV — \(convert)")
        }
        guard format.rate > 0 else { throw .badInput("\(path) gives a sample rate of 0; \(convert) -r 8000") }
    }

    private func readBytes(_ count: Int) throws(ParleyctlError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, count - filled) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .badInput("cannot read \(path): \(ControlClient.errnoText())")
            }
            if got == 0 { break }
            filled += got
        }
        return Array(bytes[0..<filled])
    }

    private func skip(_ count: Int) throws(ParleyctlError) {
        guard count > 0 else { return }
        if lseek(fd, off_t(count), SEEK_CUR) < 0 { _ = try readBytes(count) }
    }

    private static func u16(_ bytes: [UInt8], _ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    private static func u32(_ bytes: [UInt8], _ at: Int) -> Int { u16(bytes, at) | u16(bytes, at + 2) << 16 }
}
