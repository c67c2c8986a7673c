import ParleyCore
import ParleyDSP

/// Turns a call's received audio into deaf-text messages. Two receivers listen at once, so
/// the line need not know what the caller's textphone speaks: Baudot TTY (45.45 or 50 bit/s,
/// detected) and V.21 (300 bit/s, 7E1; the caller's channel 1, 980/1180 Hz — we answer on
/// channel 2). Characters are grouped into messages the way a textphone conversation runs — a
/// message ends at a turn marker (GA, SK), at a line end, after `pause` without a character,
/// or at `maxCharacters`.
///
/// Time is the audio's own (samples received), so the same recording always gives the same
/// messages. Audio that arrives while we transmit (or just after) is dropped by the caller
/// through ``ignore(_:)`` — the echo guard — so our own tones are never stored as received.
public struct CallTextReceiver: Sendable {
    /// One received message, ready to store.
    public struct Message: Sendable, Hashable {
        public var medium: TextMedium
        /// What the wire carried, as hex, in order: the 5-bit Baudot codes (shifts included),
        /// or the V.21 octets (parity bit included).
        public var raw: String
        public var text: String
        /// When its first character started, from the start of the call's audio.
        public var time: Duration
    }

    public let sampleRate: Double
    public let pause: Duration
    public let maxCharacters: Int
    private var baudot: BaudotDemodulator
    private var v21: V21Demodulator
    private var baudotMessage: MessageAssembler
    private var v21Message: MessageAssembler
    private var samplesSeen = 0

    public init(sampleRate: Double, table: BaudotTable = .usTTY, pause: Duration = .seconds(2), maxCharacters: Int = 200) {
        self.sampleRate = sampleRate
        self.pause = pause
        self.maxCharacters = maxCharacters
        baudot = BaudotDemodulator(configuration: .init(sampleRate: sampleRate, table: table))
        v21 = V21Demodulator(configuration: .init(sampleRate: sampleRate, channels: [.channel1]))
        baudotMessage = MessageAssembler(medium: .tty45, pause: pause, maxCharacters: maxCharacters)
        v21Message = MessageAssembler(medium: .v21, pause: pause, maxCharacters: maxCharacters)
    }

    /// Audio time so far.
    public var elapsed: Duration { .seconds(Double(samplesSeen) / sampleRate) }

    /// Feeds received samples; returns the messages they completed, in order of their start.
    public mutating func process(_ samples: [Int16]) -> [Message] {
        samplesSeen += samples.count
        var finished: [Message] = []
        for frame in baudot.process(samples) {
            baudotMessage.medium = frame.rate == .baud50 ? .tty50 : .tty45
            finished += baudotMessage.add(frame.character, raw: frame.code.rawValue, at: frame.time)
        }
        for received in v21.process(samples) {
            let character = received.parityOK ? received.character : V21Demodulator.parityErrorMark
            finished += v21Message.add(character, raw: received.byte, at: received.time)
        }
        finished += baudotMessage.flushIfPaused(before: elapsed)
        finished += v21Message.flushIfPaused(before: elapsed)
        return finished.sorted { $0.time < $1.time }
    }

    /// Audio we must not decode (our own transmission and its echo): counted for time only.
    public mutating func ignore(_ sampleCount: Int) {
        samplesSeen += sampleCount
        baudot = BaudotDemodulator(configuration: baudot.configuration)
        v21 = V21Demodulator(configuration: v21.configuration)
    }

    /// The call ended: whatever was being typed is a message.
    public mutating func finish() -> [Message] {
        (baudotMessage.finish() + v21Message.finish()).sorted { $0.time < $1.time }
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}

/// One medium's message being typed: characters until a turn marker, a line end, a pause or
/// the length limit.
private struct MessageAssembler: Sendable {
    var medium: TextMedium
    let pause: Duration
    let maxCharacters: Int
    private var markers = BaudotTurnMarkerDetector()
    private var raw: [UInt8] = []
    private var text = ""
    private var firstTime: Duration?
    private var lastTime: Duration = .zero

    init(medium: TextMedium, pause: Duration, maxCharacters: Int) {
        self.medium = medium
        self.pause = pause
        self.maxCharacters = maxCharacters
    }

    /// One character (nil for a code with none, such as a shift) received at `time`.
    mutating func add(_ character: Character?, raw code: UInt8, at time: Duration) -> [CallTextReceiver.Message] {
        var finished = flushIfPaused(before: time)
        if firstTime == nil { firstTime = time }
        lastTime = time
        raw.append(code)
        guard let character else { return finished }
        let marker = markers.feed(character)
        if character == "\r" || character == "\n" {
            if let message = flush() { finished.append(message) }
            return finished
        }
        text.append(character)
        if marker != nil || text.count >= maxCharacters, let message = flush() {
            finished.append(message)
        }
        return finished
    }

    /// A typist's pause ends the word being typed: if it was GA or SK the message is over.
    /// A longer pause (`pause`) ends the message whatever it was.
    mutating func flushIfPaused(before time: Duration) -> [CallTextReceiver.Message] {
        guard firstTime != nil else { return [] }
        let quiet = time - lastTime
        if quiet >= pause {
            _ = markers.finish()
            return flush().map { [$0] } ?? []
        }
        if quiet >= Self.wordPause, markers.finish() != nil {
            return flush().map { [$0] } ?? []
        }
        return []
    }

    mutating func finish() -> [CallTextReceiver.Message] {
        _ = markers.finish()
        return flush().map { [$0] } ?? []
    }

    /// Longer than a character at 45.45 bit/s (165 ms) with room for a slow sender.
    static let wordPause = Duration.milliseconds(400)

    private mutating func flush() -> CallTextReceiver.Message? {
        defer {
            raw = []
            text = ""
            firstTime = nil
        }
        let trimmed = text.trimmingCharacters(in: " ")
        guard let firstTime, !trimmed.isEmpty else { return nil }
        return CallTextReceiver.Message(
            medium: medium, raw: raw.map(CallTextReceiver.hex).joined(separator: " "), text: trimmed, time: firstTime)
    }
}

extension String {
    /// Without leading and trailing `character`s.
    func trimmingCharacters(in character: Character) -> String {
        var slice = Substring(self)
        while slice.first == character { slice = slice.dropFirst() }
        while slice.last == character { slice = slice.dropLast() }
        return String(slice)
    }
}
