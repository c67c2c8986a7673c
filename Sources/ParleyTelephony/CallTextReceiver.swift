import ParleyCore
import ParleyDSP

/// Turns a call's received audio into deaf-text messages: Baudot TTY (45.45 or 50 bit/s,
/// detected) is decoded continuously, and characters are grouped into messages the way a
/// textphone conversation runs — a message ends at a turn marker (GA, SK), at a line end, after
/// `pause` without a character, or at `maxCharacters`.
///
/// Time is the audio's own (samples received), so the same recording always gives the same
/// messages. Audio that arrives while we transmit (or just after) is dropped by the caller
/// through ``ignore(_:)`` — the echo guard — so our own tones are never stored as received.
public struct CallTextReceiver: Sendable {
    /// One received message, ready to store.
    public struct Message: Sendable, Hashable {
        public var medium: TextMedium
        /// The 5-bit codes received, as hex, in order (shifts included).
        public var raw: String
        public var text: String
        /// When its first character started, from the start of the call's audio.
        public var time: Duration
    }

    public let sampleRate: Double
    public let pause: Duration
    public let maxCharacters: Int
    private var baudot: BaudotDemodulator
    private var markers = BaudotTurnMarkerDetector()
    private var codes: [BaudotCode] = []
    private var text = ""
    private var firstTime: Duration?
    private var lastTime: Duration = .zero
    private var rate: BaudotRate?
    private var samplesSeen = 0

    public init(sampleRate: Double, table: BaudotTable = .usTTY, pause: Duration = .seconds(2), maxCharacters: Int = 200) {
        self.sampleRate = sampleRate
        self.pause = pause
        self.maxCharacters = maxCharacters
        baudot = BaudotDemodulator(configuration: .init(sampleRate: sampleRate, table: table))
    }

    /// Audio time so far.
    public var elapsed: Duration { .seconds(Double(samplesSeen) / sampleRate) }

    /// Feeds received samples; returns the messages they completed.
    public mutating func process(_ samples: [Int16]) -> [Message] {
        samplesSeen += samples.count
        var finished: [Message] = []
        for frame in baudot.process(samples) {
            if let pending = flushIfPaused(before: frame.time) { finished.append(pending) }
            if firstTime == nil { firstTime = frame.time }
            lastTime = frame.time
            rate = frame.rate
            codes.append(frame.code)
            guard let character = frame.character else { continue }
            let marker = markers.feed(character)
            if character == "\r" || character == "\n" {
                if let message = flush() { finished.append(message) }
                continue
            }
            text.append(character)
            if marker != nil || text.count >= maxCharacters, let message = flush() {
                finished.append(message)
            }
        }
        if let pending = flushIfPaused(before: elapsed) { finished.append(pending) }
        return finished
    }

    /// Audio we must not decode (our own transmission and its echo): counted for time only.
    public mutating func ignore(_ sampleCount: Int) {
        samplesSeen += sampleCount
        baudot = BaudotDemodulator(configuration: baudot.configuration)
    }

    /// The call ended: whatever was being typed is a message.
    public mutating func finish() -> [Message] {
        _ = markers.finish()
        return flush().map { [$0] } ?? []
    }

    /// A typist's pause ends the word being typed: if it was GA or SK the message is over.
    /// A longer pause (`pause`) ends the message whatever it was.
    private mutating func flushIfPaused(before time: Duration) -> Message? {
        guard firstTime != nil else { return nil }
        let quiet = time - lastTime
        if quiet >= pause {
            _ = markers.finish()
            return flush()
        }
        if quiet >= Self.wordPause, markers.finish() != nil {
            return flush()
        }
        return nil
    }

    /// Longer than a character at 45.45 bit/s (165 ms) with room for a slow sender.
    static let wordPause = Duration.milliseconds(400)

    private mutating func flush() -> Message? {
        defer {
            codes = []
            text = ""
            firstTime = nil
        }
        let trimmed = text.trimmingCharacters(in: " ")
        guard let firstTime, !trimmed.isEmpty else { return nil }
        return Message(
            medium: rate == .baud50 ? .tty50 : .tty45, raw: codes.map { Self.hex($0.rawValue) }.joined(separator: " "),
            text: trimmed, time: firstTime)
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
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
