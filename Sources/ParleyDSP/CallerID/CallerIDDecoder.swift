import Foundation
import ParleyCore

/// Finds caller-ID bursts in line audio and reads them: V.23 FSK (1300 Hz mark, 2100 Hz space;
/// ETSI EN 300 659-1 / BT SIN227, with or without the idle-state tone alert signal, TAS, of
/// 2130 + 2750 Hz before it) and Bell 202 FSK (1200 Hz mark, 2200 Hz space; Bellcore GR-30,
/// after the first ring), both 1200 bit/s. Any sample rate from 6 kHz; feed blocks of any size —
/// the detections do not depend on how the audio was split.
///
/// A burst is a channel seizure (alternating bits, read as back-to-back 0x55 characters), a
/// mark signal, then the message as 8N1 characters: type, length, body, checksum. Each burst
/// gives one ``Detection`` when its last byte arrives, or when it stops short (a gap of more
/// than 40 bit times, the signal falling 10 dB below the seizure's level, or ``finish()``).
///
/// Demodulation is non-coherent: after a 300 Hz high-pass (DC, hum), the audio is mixed down
/// at 1250 Hz and 2150 Hz — midway between the two standards' marks and between their spaces,
/// so one receiver reads both — and each is summed over one bit; the normalised difference of
/// the two powers is the discriminator. A mark-to-space crossing starts a character, whose ten
/// bits are read around where the summing window lies exactly on each bit. Which standard a burst used is told afterwards
/// from the way the mark mixer's output turns while a steady mark fills a six-bit window (the
/// mark tone lies 50 Hz above or below the mixing frequency), from the seizure to the end of
/// the message — the mark signal before the message always gives such windows.
public struct CallerIDDecoder: Sendable {
    /// The two FSK caller-ID modulations.
    public enum Standard: String, Sendable, Hashable, CaseIterable {
        /// ITU-T V.23 tones, as ETSI EN 300 659 and BT SIN227 use (UK, Europe).
        case v23
        /// Bell 202 tones, as Bellcore GR-30 uses (North America).
        case bell202

        /// The tone for a binary 1.
        public var markFrequency: Double {
            switch self {
            case .v23: 1300
            case .bell202: 1200
            }
        }

        /// The tone for a binary 0.
        public var spaceFrequency: Double {
            switch self {
            case .v23: 2100
            case .bell202: 2200
            }
        }

        /// 1200 bit/s for both.
        public static let bitsPerSecond = 1200.0
    }

    public struct Configuration: Sendable, Hashable {
        /// Samples per second of the audio fed in; at least 6000.
        public var sampleRate: Double
        /// Standards to report. Bursts whose tones match a standard not listed are ignored;
        /// an empty set means both.
        public var standards: Set<Standard>

        public init(sampleRate: Double, standards: Set<Standard> = Set(Standard.allCases)) {
            self.sampleRate = sampleRate
            self.standards = standards.isEmpty ? Set(Standard.allCases) : standards
        }
    }

    /// One burst read from the line.
    public struct Detection: Sendable, Hashable {
        public var standard: Standard
        /// From the first sample fed to the start bit of the message's first byte.
        public var time: Duration
        /// Whether the tone alert signal (2130 + 2750 Hz) ended less than a second before the
        /// channel seizure began.
        public var alertToneBefore: Bool
        /// The message bytes as received, type to checksum (fewer when truncated).
        public var bytes: [UInt8]
        /// The parsed message; nil when truncated or malformed.
        public var frame: CallerIDFrame?
        public var checksumValid: Bool
        /// Who is calling — only when the checksum is valid and the message is a call set-up.
        public var callerID: CallerID?
        /// What was wrong, for an engineer; nil for a good call set-up message.
        public var problem: String?

        public init(
            standard: Standard, time: Duration, alertToneBefore: Bool, bytes: [UInt8],
            frame: CallerIDFrame?, checksumValid: Bool, callerID: CallerID?, problem: String?
        ) {
            self.standard = standard
            self.time = time
            self.alertToneBefore = alertToneBefore
            self.bytes = bytes
            self.frame = frame
            self.checksumValid = checksumValid
            self.callerID = callerID
            self.problem = problem
        }
    }

    public let configuration: Configuration
    private var frontEnd: FSKFrontEnd
    private var receiver: CharacterReceiver
    private var alertTone: AlertToneDetector?
    private var stage = Stage.hunting(Run())
    private var sampleIndex = 0
    /// Front-end turn sums when the character now being received began.
    private var characterStartTurns = ToneTurns()
    /// Consecutive samples quieter than a tenth of the burst's level.
    private var quietSamples = 0
    /// Takes out DC and mains hum, which would otherwise count against the carrier.
    private var highPass: HighPass

    // Framing limits, in bits.
    private static let seizureCharactersNeeded = 4
    private static let minimumMarkBits = 10.0
    private static let maximumMarkBits = 600.0
    private static let maximumGapBits = 40.0
    private static let quietBits = 20.0
    /// A burst whose level falls this far (power ratio) below the seizure's has stopped.
    private static let levelDrop = 0.1
    /// How long before the seizure a tone alert signal may end and still count.
    private static let alertToneReach = 1.0

    public init(configuration: Configuration) {
        precondition(configuration.sampleRate >= 6000 && configuration.sampleRate.isFinite,
                     "caller ID needs audio sampled at 6 kHz or more; resample the line audio first")
        self.configuration = configuration
        self.highPass = HighPass(cutoff: 300, sampleRate: configuration.sampleRate)
        self.frontEnd = FSKFrontEnd(sampleRate: configuration.sampleRate)
        self.receiver = CharacterReceiver(sampleRate: configuration.sampleRate, windowLength: frontEnd.length)
        if configuration.standards.contains(.v23) {
            self.alertTone = AlertToneDetector(sampleRate: configuration.sampleRate)
        }
    }

    /// Feeds samples (full scale 1.0; non-finite values count as silence); returns the bursts
    /// completed by them.
    public mutating func process(_ samples: some Collection<Float>) -> [Detection] {
        var out: [Detection] = []
        for sample in samples {
            push(sample.isFinite ? Double(sample) : 0, into: &out)
        }
        return out
    }

    /// Feeds 16-bit samples (full scale 32768); returns the bursts completed by them.
    public mutating func process(_ samples: some Collection<Int16>) -> [Detection] {
        var out: [Detection] = []
        for sample in samples {
            push(Double(sample) / 32768, into: &out)
        }
        return out
    }

    /// Ends the stream: a message still arriving is reported as truncated. The decoder is then
    /// ready for more audio (times keep counting from the first sample ever fed).
    public mutating func finish() -> [Detection] {
        var out: [Detection] = []
        if case let .receiving(message) = stage, let detection = truncated(message, reason: "the end of the audio") {
            out.append(detection)
        }
        stage = .hunting(Run())
        receiver.reset()
        return out
    }

    // MARK: - Per sample

    private mutating func push(_ input: Double, into out: inout [Detection]) {
        let n = sampleIndex
        sampleIndex += 1
        let x = highPass.filter(input)
        frontEnd.push(x)
        alertTone?.push(x, at: n)

        let wasReceiving = receiver.isReceiving
        let character = receiver.push(
            discriminator: frontEnd.discriminator, carrier: frontEnd.carrier, level: frontEnd.level, at: n
        )
        if !wasReceiving && receiver.isReceiving {
            characterStartTurns = frontEnd.turns
        }
        if let character {
            if let detection = receive(character) { out.append(detection) }
        }
        if let detection = tick(at: n) { out.append(detection) }
        if case let .hunting(run) = stage, run.count == 0, !receiver.isReceiving {
            // Nothing under way: keep the turn sums small so they never lose precision.
            frontEnd.turns = ToneTurns()
        }
    }

    // MARK: - Framing

    private struct Run {
        var count = 0
        var start = 0.0
        var lastEnd = 0.0
        var levelSum = 0.0
        var turns = ToneTurns()
    }

    private struct Seizure {
        var start: Double
        var lastEnd: Double
        var level: Double
        var turns: ToneTurns
    }

    private struct Message {
        var seizure: Seizure
        var start: Double
        var bytes: [UInt8]
        var lastEnd: Double
    }

    private enum Stage {
        /// Looking for back-to-back 0x55 characters (the channel seizure).
        case hunting(Run)
        /// Seizure seen; waiting for the mark signal and the message's first byte.
        case seized(Seizure)
        case receiving(Message)
    }

    private var bitLength: Double { receiver.bitLength }

    private mutating func receive(_ character: CharacterReceiver.Received) -> Detection? {
        switch stage {
        case var .hunting(run):
            let contiguous = run.count > 0 && character.start - run.lastEnd <= 2 * bitLength
            guard character.byte == 0x55 else {
                stage = .hunting(Run())
                return nil
            }
            if !contiguous {
                run = Run(count: 0, start: character.start, turns: characterStartTurns)
            }
            run.count += 1
            run.lastEnd = character.end
            run.levelSum += character.level
            if run.count >= Self.seizureCharactersNeeded {
                stage = .seized(Seizure(
                    start: run.start, lastEnd: run.lastEnd, level: run.levelSum / Double(run.count), turns: run.turns
                ))
            } else {
                stage = .hunting(run)
            }
            return nil

        case var .seized(seizure):
            let markBits = (character.start - seizure.lastEnd) / bitLength
            if markBits >= Self.minimumMarkBits {
                stage = .receiving(Message(seizure: seizure, start: character.start, bytes: [character.byte], lastEnd: character.end))
            } else {
                // More seizure (or a seizure character hit by noise).
                seizure.lastEnd = character.end
                stage = .seized(seizure)
            }
            return nil

        case var .receiving(message):
            if character.level < message.seizure.level * Self.levelDrop {
                return truncated(message, reason: "the signal level fell")
            }
            message.bytes.append(character.byte)
            message.lastEnd = character.end
            if message.bytes.count >= 2, message.bytes.count == Int(message.bytes[1]) + 3 {
                stage = .hunting(Run())
                return complete(message)
            }
            stage = .receiving(message)
            return nil
        }
    }

    /// Time-outs, checked every sample.
    private mutating func tick(at n: Int) -> Detection? {
        let level: Double
        let lastEnd: Double
        switch stage {
        case .hunting:
            quietSamples = 0
            return nil
        case let .seized(seizure):
            level = seizure.level
            lastEnd = seizure.lastEnd
        case let .receiving(message):
            level = message.seizure.level
            lastEnd = message.lastEnd
        }
        quietSamples = frontEnd.level < level * Self.levelDrop ? quietSamples + 1 : 0
        let quiet = Double(quietSamples) > Self.quietBits * bitLength
        let silentFor = Double(n) - lastEnd
        switch stage {
        case .hunting:
            return nil
        case .seized:
            if quiet || silentFor > Self.maximumMarkBits * bitLength {
                stage = .hunting(Run())
            }
            return nil
        case let .receiving(message):
            if quiet {
                return truncated(message, reason: "the signal level fell")
            }
            if silentFor > Self.maximumGapBits * bitLength {
                let milliseconds = Int((Self.maximumGapBits / Standard.bitsPerSecond * 1000).rounded())
                return truncated(message, reason: "\(milliseconds) ms passed without a character")
            }
            return nil
        }
    }

    private mutating func complete(_ message: Message) -> Detection? {
        guard var detection = detection(for: message) else { return nil }
        let bytes = message.bytes
        do throws(CallerIDFrame.ParseError) {
            let frame = try CallerIDFrame.parse(bytes)
            detection.frame = frame
            detection.checksumValid = frame.isChecksumValid
            if !frame.isChecksumValid {
                let needed = CallerIDFrame.checksum(of: bytes.dropLast())
                detection.problem = "bad checksum: received 0x\(CallerIDFrame.hex(frame.checksum)), the bytes need "
                    + "0x\(CallerIDFrame.hex(needed)); a bit was lost on the line — do not trust any field"
            } else if let callerID = frame.callerID {
                detection.callerID = callerID
            } else {
                detection.problem = "message type 0x\(CallerIDFrame.hex(frame.messageType)) is not a call set-up "
                    + "(0x04 SDMF or 0x80 MDMF); it carries no caller identity"
            }
        } catch {
            detection.checksumValid = CallerIDFrame.checksum(of: bytes.dropLast()) == bytes.last
            detection.problem = error.description
        }
        return detection
    }

    private mutating func truncated(_ message: Message, reason: String) -> Detection? {
        stage = .hunting(Run())
        guard var detection = detection(for: message) else { return nil }
        let received = message.bytes.count
        if received < 2 {
            detection.problem = "truncated: only the message type byte arrived before \(reason); "
                + "the burst was cut off — check the line level and that capture was running"
        } else {
            detection.problem = "truncated: \(received) of \(Int(message.bytes[1]) + 3) bytes (as the length byte "
                + "says) arrived before \(reason); the burst was cut off or its length byte is wrong"
        }
        return detection
    }

    /// The parts of a detection every outcome shares; nil if the burst's tones are of a
    /// standard not configured.
    private mutating func detection(for message: Message) -> Detection? {
        let mark = (frontEnd.turns - message.seizure.turns).markFrequency(sampleRate: configuration.sampleRate)
        let standard: Standard
        if let mark {
            standard = mark < FSKFrontEnd.markMixing ? .bell202 : .v23
        } else {
            // No steady mark measured (cannot happen after a 10-bit mark signal, but be sure).
            standard = configuration.standards.count == 1 ? (configuration.standards.first ?? .v23) : .v23
        }
        guard configuration.standards.contains(standard) else { return nil }
        var alert = false
        if let end = alertTone?.lastToneEnd {
            let start = message.seizure.start
            alert = Double(end) <= start + bitLength && start - Double(end) <= Self.alertToneReach * configuration.sampleRate
            if alert { alertTone?.lastToneEnd = nil }
        }
        let seconds = max(0, message.start) / configuration.sampleRate
        return Detection(
            standard: standard, time: .nanoseconds(Int64((seconds * 1e9).rounded())), alertToneBefore: alert,
            bytes: message.bytes, frame: nil, checksumValid: false, callerID: nil, problem: nil
        )
    }
}

// MARK: - Front end

/// The sum of the mark mixer's turn from one sample to the next while a steady mark fills a
/// six-bit window; its angle is the mark tone's offset from the mixing frequency.
struct ToneTurns: Sendable {
    var real = 0.0
    var imaginary = 0.0

    static func - (lhs: ToneTurns, rhs: ToneTurns) -> ToneTurns {
        ToneTurns(real: lhs.real - rhs.real, imaginary: lhs.imaginary - rhs.imaginary)
    }

    /// The mark tone's frequency, nil without a steady mark to measure.
    func markFrequency(sampleRate: Double) -> Double? {
        guard real != 0 || imaginary != 0 else { return nil }
        return FSKFrontEnd.markMixing + atan2(imaginary, real) * sampleRate / (2 * Double.pi)
    }
}

/// Measures the mark tone over six-bit windows — long enough that the space tone's leakage is
/// negligible (the one-bit sums are far too short for that: a twentieth of leaked space power,
/// turning 900 Hz away, would outweigh a mark 50 Hz off), short enough to fit in the shortest
/// mark signal.
struct MarkToneMeter: Sendable {
    private let length: Int
    /// Interleaved I, Q and power, `length` entries of each.
    private var ring: [Double]
    private var index = 0
    private var sumI = 0.0, sumQ = 0.0, power = 0.0
    private var previousI = 0.0, previousQ = 0.0
    var turns = ToneTurns()

    init(bitLength: Int) {
        length = 6 * bitLength
        ring = [Double](repeating: 0, count: 3 * length)
    }

    mutating func push(i: Double, q: Double, power p: Double) {
        let base = index * 3
        sumI += i - ring[base]
        sumQ += q - ring[base + 1]
        power += p - ring[base + 2]
        ring[base] = i
        ring[base + 1] = q
        ring[base + 2] = p
        index += 1
        if index == length {
            index = 0
            sumI = 0; sumQ = 0; power = 0
            for slot in stride(from: 0, to: ring.count, by: 3) {
                sumI += ring[slot]
                sumQ += ring[slot + 1]
                power += ring[slot + 2]
            }
        }
        let magnitude = sumI * sumI + sumQ * sumQ
        let n = Double(length)
        // A steady mark 50 Hz from the mixer gives a share of about 0.8; a window a seventh
        // space, about 0.6.
        if power / n >= FSKFrontEnd.silence, 2 * magnitude / (n * power) >= 0.6 {
            turns.real += (sumI * previousI + sumQ * previousQ) / magnitude
            turns.imaginary += (sumQ * previousI - sumI * previousQ) / magnitude
        }
        previousI = sumI
        previousQ = sumQ
    }
}

/// A second-order Butterworth high-pass filter (RBJ cookbook biquad): 300 Hz, the bottom of
/// the telephone band, puts 50 Hz hum about 30 dB down and leaves the FSK tones alone.
struct HighPass: Sendable {
    private let b0: Double, b1: Double, b2: Double, a1: Double, a2: Double
    private var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0

    init(cutoff: Double, sampleRate: Double) {
        let omega = 2 * Double.pi * cutoff / sampleRate
        let alpha = sin(omega) / (2 * 0.5.squareRoot())
        let a0 = 1 + alpha
        b0 = (1 + cos(omega)) / 2 / a0
        b1 = -(1 + cos(omega)) / a0
        b2 = b0
        a1 = -2 * cos(omega) / a0
        a2 = (1 - alpha) / a0
    }

    mutating func filter(_ x: Double) -> Double {
        let y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
        x2 = x1
        x1 = x
        y2 = y1
        y1 = y
        return y
    }
}

/// A phase-continuous complex oscillator by rotation (no sin/cos per sample).
struct Rotator: Sendable {
    private(set) var real = 1.0
    private(set) var imaginary = 0.0
    private let stepReal: Double
    private let stepImaginary: Double

    init(frequency: Double, sampleRate: Double) {
        stepReal = cos(2 * Double.pi * frequency / sampleRate)
        stepImaginary = sin(2 * Double.pi * frequency / sampleRate)
    }

    mutating func advance() {
        let next = real * stepReal - imaginary * stepImaginary
        imaginary = imaginary * stepReal + real * stepImaginary
        real = next
    }

    /// Puts the magnitude back to 1 (rounding creeps otherwise).
    mutating func normalise() {
        let scale = 1 / (real * real + imaginary * imaginary).squareRoot()
        real *= scale
        imaginary *= scale
    }
}

/// The mixers, the one-bit sums and what is derived from them, for the latest sample.
struct FSKFrontEnd: Sendable {
    static let markMixing = 1250.0
    static let spaceMixing = 2150.0
    /// Below this mean square (−80 dBFS) the line counts as silent.
    static let silence = 1e-8

    /// Samples per sum: one bit, rounded.
    let length: Int
    private var mark: Rotator
    private var space: Rotator
    /// Interleaved mark I/Q, space I/Q and power, `length` entries of each.
    private var ring: [Double]
    private var index = 0
    private var markI = 0.0, markQ = 0.0, spaceI = 0.0, spaceQ = 0.0, power = 0.0

    /// (mark − space) / (mark + space) power, −1…1; positive for mark.
    private(set) var discriminator = 0.0
    /// Fraction of the window's power at the two mixing frequencies: about 1 for clean FSK,
    /// about 4 / `length` for white noise.
    private(set) var carrier = 0.0
    /// Mean square over the window.
    private(set) var level = 0.0
    private var markMeter: MarkToneMeter
    /// See ``MarkToneMeter``.
    var turns: ToneTurns {
        get { markMeter.turns }
        set { markMeter.turns = newValue }
    }

    init(sampleRate: Double) {
        length = max(4, Int((sampleRate / CallerIDDecoder.Standard.bitsPerSecond).rounded()))
        mark = Rotator(frequency: Self.markMixing, sampleRate: sampleRate)
        space = Rotator(frequency: Self.spaceMixing, sampleRate: sampleRate)
        ring = [Double](repeating: 0, count: 5 * length)
        markMeter = MarkToneMeter(bitLength: length)
    }

    mutating func push(_ x: Double) {
        let base = index * 5
        let values = (x * mark.real, -x * mark.imaginary, x * space.real, -x * space.imaginary, x * x)
        markI += values.0 - ring[base]
        markQ += values.1 - ring[base + 1]
        spaceI += values.2 - ring[base + 2]
        spaceQ += values.3 - ring[base + 3]
        power += values.4 - ring[base + 4]
        ring[base] = values.0
        ring[base + 1] = values.1
        ring[base + 2] = values.2
        ring[base + 3] = values.3
        ring[base + 4] = values.4
        markMeter.push(i: values.0, q: values.1, power: values.4)
        mark.advance()
        space.advance()
        index += 1
        if index == length {
            // Re-sum once per window so rounding in the running sums cannot accumulate.
            index = 0
            markI = 0; markQ = 0; spaceI = 0; spaceQ = 0; power = 0
            for slot in stride(from: 0, to: ring.count, by: 5) {
                markI += ring[slot]
                markQ += ring[slot + 1]
                spaceI += ring[slot + 2]
                spaceQ += ring[slot + 3]
                power += ring[slot + 4]
            }
            mark.normalise()
            space.normalise()
        }

        let markPower = markI * markI + markQ * markQ
        let spacePower = spaceI * spaceI + spaceQ * spaceQ
        let n = Double(length)
        level = max(0, power) / n
        if level < Self.silence {
            discriminator = 0
            carrier = 0
        } else {
            discriminator = (markPower - spacePower) / (markPower + spacePower + 1e-30)
            // A tone of amplitude A gives a sum of magnitude nA/2 and a mean square of A²/2.
            carrier = 2 * (markPower + spacePower) / (n * n * level)
        }
    }
}

// MARK: - Characters

/// An asynchronous 8N1 receiver on the discriminator: a mark-to-space crossing after a mark is
/// a start bit; each bit is read where the one-bit window lies on it.
///
/// Against noise: a crossing counts only once the discriminator has gone clearly negative
/// soon after it. Characters in a burst mostly follow each other back to back, so after each
/// one the next start bit is expected exactly ten bits after the last: a crossing well before
/// that is noise in the stop bit and is ignored, one near it is averaged with the expectation,
/// and if none is seen but the line is space half a bit after it, the character starts there
/// anyway. One misplaced start would otherwise put every later character out of step.
struct CharacterReceiver: Sendable {
    struct Received: Sendable {
        var byte: UInt8
        /// Start-bit leading edge and stop-bit end, in samples from the first sample fed.
        var start: Double
        var end: Double
        /// Mean square of the audio over the character.
        var level: Double
    }

    let bitLength: Double
    private let windowLength: Int
    /// Least mean carrier over a character for it to count: a third of the way from what
    /// white noise gives to what clean FSK gives.
    private let carrierThreshold: Double
    private var armed = false
    private var previous = 0.0
    /// Samples either side of a bit's matched point that its decision averages over.
    private let spread: Int
    /// The last 2 × `spread` + 1 discriminator values and their sum.
    private var recent: [Double]
    private var recentIndex = 0
    private var recentSum = 0.0
    /// A zero crossing waiting for the discriminator to confirm it.
    private var candidate: Double?
    /// Where the next start bit's crossing falls if it follows the last character at once.
    private var expected: Double?
    private var crossing: Double?
    private var nextBit = 0
    private var nextSampleAt = 0
    private var bits: UInt16 = 0
    private var carrierSum = 0.0
    private var levelSum = 0.0

    init(sampleRate: Double, windowLength: Int) {
        bitLength = sampleRate / CallerIDDecoder.Standard.bitsPerSecond
        self.windowLength = windowLength
        let noise = min(1, 4 / Double(windowLength))
        carrierThreshold = noise + 0.3 * (1 - noise)
        spread = max(1, Int((bitLength * 0.25).rounded()))
        recent = [Double](repeating: 0, count: 2 * spread + 1)
    }

    var isReceiving: Bool { crossing != nil }

    mutating func reset() {
        armed = false
        candidate = nil
        expected = nil
        crossing = nil
    }

    mutating func push(discriminator d: Double, carrier: Double, level: Double, at n: Int) -> Received? {
        defer { previous = d }
        recentSum += d - recent[recentIndex]
        recent[recentIndex] = d
        recentIndex = recentIndex + 1 == recent.count ? 0 : recentIndex + 1
        guard let crossing else {
            hunt(d, carrier: carrier, at: n)
            return nil
        }
        guard n >= nextSampleAt + spread else { return nil }
        // The decision averages the discriminator over a few samples either side of the
        // matched point: much less noise for little spill from the neighbouring bits.
        let d = recentSum / Double(recent.count)
        if nextBit == 0 && d >= 0 {
            // Not a start bit after all (a glitch in the mark).
            self.crossing = nil
            armed = d > 0.5 && carrier >= carrierThreshold
            return nil
        }
        if d > 0 { bits |= 1 << nextBit }
        carrierSum += carrier
        levelSum += level
        nextBit += 1
        guard nextBit == 10 else {
            nextSampleAt = Int((crossing + (Double(nextBit) + 0.5) * bitLength).rounded())
            return nil
        }
        self.crossing = nil
        guard bits & 0x200 != 0, carrierSum / 10 >= carrierThreshold else {
            armed = false
            return nil
        }
        // A good stop bit is mark: the next start bit may follow at once.
        armed = true
        expected = crossing + 10 * bitLength
        let start = crossing + 1 - Double(windowLength) / 2
        return Received(byte: UInt8((bits >> 1) & 0xFF), start: start, end: start + 10 * bitLength, level: levelSum / 10)
    }

    private mutating func hunt(_ d: Double, carrier: Double, at n: Int) {
        if let expected, Double(n) >= expected + 0.5 * bitLength {
            // Half a bit past where a back-to-back start bit would begin.
            self.expected = nil
            if d < 0 && candidate == nil {
                start(at: expected, now: n) // its edge was lost in noise
                return
            }
        }
        guard armed else {
            armed = d > 0.5 && carrier >= carrierThreshold
            return
        }
        if d <= 0 && previous > 0 {
            // Where the window straddles the edge equally; the bits' centres follow at
            // half-bit steps from here.
            candidate = Double(n - 1) + previous / (previous - d)
        } else if d > 0 {
            candidate = nil
        }
        guard let at = candidate else { return }
        if Double(n) - at > 0.4 * bitLength {
            candidate = nil // too slow a fall for a start bit
        } else if d < -0.25 {
            candidate = nil
            guard let expected else {
                start(at: at, now: n)
                return
            }
            if at >= expected - 0.5 * bitLength {
                start(at: at < expected + 0.5 * bitLength ? (at + expected) / 2 : at, now: n)
            }
            // Earlier is noise in the stop bit: keep waiting for the real edge.
        }
    }

    private mutating func start(at edge: Double, now n: Int) {
        candidate = nil
        expected = nil
        armed = false
        crossing = edge
        nextBit = 0
        bits = 0
        carrierSum = 0
        levelSum = 0
        nextSampleAt = max(n + 1, Int((edge + 0.5 * bitLength).rounded()))
    }
}

// MARK: - Tone alert signal

/// The idle-state tone alert signal: 2130 Hz and 2750 Hz together (each ±1.1%) for 88–110 ms.
/// Goertzel filters over consecutive 10 ms blocks (counted from the first sample, so block
/// boundaries do not depend on how audio is fed); three qualifying blocks in a row (30 ms —
/// SIN227 asks receivers for at least 20 ms of both tones) make a tone.
struct AlertToneDetector: Sendable {
    private let blockLength: Int
    private let lowCoefficient: Double
    private let highCoefficient: Double
    private var low = (0.0, 0.0)
    private var high = (0.0, 0.0)
    private var energy = 0.0
    private var filled = 0
    private var run = 0
    /// The sample just past the last block of the latest tone, while unclaimed.
    var lastToneEnd: Int?

    init(sampleRate: Double) {
        blockLength = max(16, Int((sampleRate * 0.010).rounded()))
        lowCoefficient = 2 * cos(2 * Double.pi * 2130 / sampleRate)
        highCoefficient = 2 * cos(2 * Double.pi * 2750 / sampleRate)
    }

    mutating func push(_ x: Double, at n: Int) {
        low = (x + lowCoefficient * low.0 - low.1, low.0)
        high = (x + highCoefficient * high.0 - high.1, high.0)
        energy += x * x
        filled += 1
        guard filled == blockLength else { return }
        let count = Double(blockLength)
        func share(_ state: (Double, Double), _ coefficient: Double) -> Double {
            // |X|² of the block at the tone; a tone of amplitude A gives (nA/2)² against a
            // total energy of nA²/2, a share of 1.
            let magnitude = state.0 * state.0 + state.1 * state.1 - coefficient * state.0 * state.1
            return 2 * magnitude / (count * energy)
        }
        if energy / count >= FSKFrontEnd.silence {
            let lowShare = share(low, lowCoefficient)
            let highShare = share(high, highCoefficient)
            let both = lowShare >= 0.12 && highShare >= 0.12 && lowShare + highShare >= 0.5
            run = both ? run + 1 : 0
        } else {
            run = 0
        }
        if run >= 3 { lastToneEnd = n + 1 }
        low = (0, 0)
        high = (0, 0)
        energy = 0
        filled = 0
    }
}
