import Foundation

/// Receives V.21 textphone FSK (300 bit/s, 7E1 ASCII) on channel 1, channel 2 or both at once,
/// at any sample rate. Feed blocks of any size; characters come back as their frames complete,
/// in order of their start, and the result does not depend on how the audio was split into
/// blocks.
///
/// Non-coherent demodulation per channel: the signal is mixed down at the mark and at the space
/// frequency. For finding start bits, each is summed over a sliding one-bit window, and the
/// normalised difference of the two powers (the discriminator) is positive for mark. After a
/// mark-to-space edge, each of the ten bits is judged by the mark and space energy over exactly
/// that bit (integrate and dump, the optimal non-coherent decision); the alignment within a
/// fraction of a bit of the edge whose bits are cleanest wins. A frame needs a space start bit,
/// a mark stop bit and enough tone energy (carrier). Characters sent back to back are read at
/// the expected position of the next start bit first. Parity errors are kept and flagged.
public struct V21Demodulator: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var sampleRate: Double
        /// The channels to receive; empty means both.
        public var channels: Set<V21Channel>
        /// Fraction of the audio's power that must lie at a channel's two tones over a frame
        /// for the frame to count (carrier detect): a clean tone gives about 1, the tone at 0 dB
        /// SNR against white noise across an 8 kHz band about 0.65, the noise alone about 0.15
        /// at 8 kHz (less at higher rates), and a frame while the other channel is as loud
        /// about 0.5.
        public var carrierThreshold: Double

        public init(sampleRate: Double, channels: Set<V21Channel> = Set(V21Channel.allCases), carrierThreshold: Double = 0.3) {
            self.sampleRate = sampleRate
            self.channels = channels.isEmpty ? Set(V21Channel.allCases) : channels
            self.carrierThreshold = carrierThreshold
        }
    }

    /// One received character.
    public struct Received: Sendable, Hashable, CustomStringConvertible {
        /// The eight bits as received: ASCII in bits 0…6, the parity bit in bit 7.
        public var byte: UInt8
        /// The ASCII character (even when the parity is wrong); nil for NUL and DEL.
        public var character: Character?
        /// Whether the parity bit agrees (even parity). A character with a parity error is
        /// still reported, so a display can mark it rather than lose it.
        public var parityOK: Bool
        /// The channel it came on.
        public var channel: V21Channel
        /// Index (from the first sample fed) of the start bit's leading edge.
        public var startSample: Int
        /// `startSample` as time from the first sample fed.
        public var time: Duration

        public var description: String {
            "\(V21Character(rawValue: byte)) on \(channel) at sample \(startSample)"
        }
    }

    /// What ``text(of:)`` shows in place of a character whose parity is wrong.
    public static let parityErrorMark: Character = "\u{FFFD}"

    public let configuration: Configuration
    private var receivers: [V21ChannelReceiver]
    /// Frames read but not yet returned because another channel may still return an earlier one.
    private var held: [Received] = []

    public init(configuration: Configuration) {
        precondition(configuration.sampleRate > 0, "sample rate must be positive")
        self.configuration = configuration
        self.receivers = configuration.channels.sorted().map {
            V21ChannelReceiver(channel: $0, sampleRate: configuration.sampleRate, carrierThreshold: configuration.carrierThreshold)
        }
    }

    /// Feeds samples (full scale 1.0); returns the characters completed by them.
    public mutating func process(_ samples: some Collection<Float>) -> [Received] {
        for sample in samples {
            for index in receivers.indices { receivers[index].push(Double(sample)) }
        }
        return collect()
    }

    /// Feeds 16-bit samples; returns the characters completed by them.
    public mutating func process(_ samples: some Collection<Int16>) -> [Received] {
        for sample in samples {
            let value = Double(sample) / 32768
            for index in receivers.indices { receivers[index].push(value) }
        }
        return collect()
    }

    /// The text of `received` in order, with ``parityErrorMark`` for each character whose
    /// parity is wrong. Channels are not separated: filter by ``Received/channel`` first to
    /// read one side of a conversation.
    public static func text(of received: [Received]) -> String {
        String(received.compactMap { $0.parityOK ? $0.character : parityErrorMark })
    }

    private mutating func collect() -> [Received] {
        for index in receivers.indices {
            held += receivers[index].decodeFrames()
        }
        // Return only what no channel can still precede, so the order is the same however the
        // audio was split into blocks.
        let bound = receivers.map(\.earliestPossibleStart).min() ?? Int.max
        held.sort { ($0.startSample, $0.channel.rawValue) < ($1.startSample, $1.channel.rawValue) }
        let ready = held.prefix { $0.startSample < bound }
        held.removeFirst(ready.count)
        return Array(ready)
    }
}

/// One channel's mixers, discriminator and framing.
struct V21ChannelReceiver: Sendable {
    let channel: V21Channel
    private let sampleRate: Double
    private let carrierThreshold: Double
    private let samplesPerBit: Double
    /// The sliding window for edge finding: one bit, in samples.
    private let window: Int
    /// How far from a found edge the frame's alignment is searched, in samples.
    private let scanReach: Int
    /// How far from the expected position a back-to-back frame's alignment is searched.
    private let continuationReach: Int
    /// Samples from a frame's start edge to the end of its stop bit, plus a guard.
    private let frameSpan: Int

    private let markStep: Double
    private let spaceStep: Double
    private var markPhase = 0.0
    private var spacePhase = 0.0
    /// Five interleaved rings (mark I/Q, space I/Q, power) of `window` entries, and their sums.
    private var ring: [Double]
    private var sums = [Double](repeating: 0, count: 5)
    private var ringIndex = 0

    // History from `bufferStart` on, one value per input sample: the mixed-down products and
    // power (for integrating bits), and the sliding discriminator and carrier (for edges).
    private var markI: [Float] = []
    private var markQ: [Float] = []
    private var spaceI: [Float] = []
    private var spaceQ: [Float] = []
    private var power: [Float] = []
    private var discriminator: [Float] = []
    private var carrier: [Float] = []
    private var bufferStart = 0

    // Framing.
    private var cursor = 0
    private var armed = false
    private var markRun = 0
    private var afterFrame = false
    private var pending: Pending?

    private struct Pending {
        /// Where the start edge is expected.
        var edge: Int
        var reach: Int
        /// Where the scan found the edge (nil for a back-to-back frame).
        var crossing: Int?
    }

    init(channel: V21Channel, sampleRate: Double, carrierThreshold: Double) {
        self.channel = channel
        self.sampleRate = sampleRate
        self.carrierThreshold = carrierThreshold
        self.samplesPerBit = sampleRate / V21Channel.bitsPerSecond
        self.window = max(4, Int(samplesPerBit.rounded()))
        self.scanReach = max(1, Int(samplesPerBit * 0.4))
        self.continuationReach = max(1, Int(samplesPerBit * 0.25))
        self.frameSpan = Int((samplesPerBit * 10).rounded(.up)) + 2
        self.markStep = 2 * Double.pi * channel.markFrequency / sampleRate
        self.spaceStep = 2 * Double.pi * channel.spaceFrequency / sampleRate
        self.ring = [Double](repeating: 0, count: 5 * window)
    }

    private var bufferEnd: Int { bufferStart + discriminator.count }

    /// No frame this receiver returns from now on starts before this sample.
    var earliestPossibleStart: Int {
        let scanning = cursor - window - scanReach - 1
        guard let pending else { return scanning }
        return min(pending.edge - pending.reach - 1, scanning)
    }

    // MARK: - Filtering

    mutating func push(_ x: Double) {
        let mI = x * cos(markPhase), mQ = x * sin(markPhase)
        let sI = x * cos(spacePhase), sQ = x * sin(spacePhase)
        markI.append(Float(mI))
        markQ.append(Float(mQ))
        spaceI.append(Float(sI))
        spaceQ.append(Float(sQ))
        power.append(Float(x * x))
        markPhase += markStep
        if markPhase >= 2 * Double.pi { markPhase -= 2 * Double.pi }
        spacePhase += spaceStep
        if spacePhase >= 2 * Double.pi { spacePhase -= 2 * Double.pi }

        let base = ringIndex * 5
        update(base, mI)
        update(base + 1, mQ)
        update(base + 2, sI)
        update(base + 3, sQ)
        update(base + 4, x * x)
        ringIndex += 1
        if ringIndex == window {
            // Re-sum once per ring so rounding in the running sums cannot accumulate.
            ringIndex = 0
            for index in 0..<5 { sums[index] = stride(from: index, to: ring.count, by: 5).reduce(0) { $0 + ring[$1] } }
        }
        let mark = sums[0] * sums[0] + sums[1] * sums[1]
        let space = sums[2] * sums[2] + sums[3] * sums[3]
        discriminator.append(Float((mark - space) / (mark + space + 1e-20)))
        carrier.append(Float(2 * (mark + space) / (Double(window) * sums[4] + 1e-20)))
    }

    private mutating func update(_ slot: Int, _ value: Double) {
        sums[slot % 5] += value - ring[slot]
        ring[slot] = value
    }

    // MARK: - Framing

    mutating func decodeFrames() -> [V21Demodulator.Received] {
        var out: [V21Demodulator.Received] = []
        let armLevel: Float = 0.3
        let armCarrier = Float(carrierThreshold * 0.75)
        while true {
            if let attempt = pending {
                guard bufferEnd >= attempt.edge + attempt.reach + frameSpan else { break }
                pending = nil
                if let frame = readFrame(near: attempt.edge, reach: attempt.reach) {
                    out.append(frame)
                    // Expect the next character straight after the stop bit; if it is not
                    // there, scan for an edge from the middle of the stop bit.
                    cursor = frame.startSample + Int(samplesPerBit * 9.5)
                    armed = false
                    markRun = 0
                    afterFrame = true
                    pending = Pending(edge: frame.startSample + Int((samplesPerBit * 10).rounded()), reach: continuationReach)
                } else if let crossing = attempt.crossing {
                    cursor = crossing + 1
                    armed = false
                    markRun = 0
                    afterFrame = false
                }
                continue
            }
            var crossing: Int?
            while cursor < bufferEnd {
                let value = discriminator[cursor - bufferStart]
                if !armed {
                    // Straight after a frame one good sample of the stop bit will do; otherwise
                    // the line must have been mark for a whole bit, so that the onset of a
                    // transmission after noise is not taken for a start bit.
                    let mark = value > armLevel && carrier[cursor - bufferStart] > armCarrier
                    markRun = mark ? markRun + 1 : 0
                    armed = markRun >= (afterFrame ? 1 : window)
                } else if value <= 0 {
                    crossing = cursor
                    cursor += 1
                    break
                }
                cursor += 1
            }
            guard let crossing else { break }
            // The window straddles the edge evenly when the discriminator crosses zero.
            pending = Pending(edge: crossing - window / 2 + 1, reach: scanReach, crossing: crossing)
        }
        let keepFrom = earliestPossibleStart - 2 - bufferStart
        if keepFrom > 8192 {
            markI.removeFirst(keepFrom)
            markQ.removeFirst(keepFrom)
            spaceI.removeFirst(keepFrom)
            spaceQ.removeFirst(keepFrom)
            power.removeFirst(keepFrom)
            discriminator.removeFirst(keepFrom)
            carrier.removeFirst(keepFrom)
            bufferStart += keepFrom
        }
        return out
    }

    /// The best-aligned valid frame within `reach` samples of `edge`, or nil for a framing
    /// error or too little carrier.
    private func readFrame(near edge: Int, reach: Int) -> V21Demodulator.Received? {
        let prefix = Prefix(receiver: self, from: max(bufferStart, edge - reach - 1), to: min(bufferEnd, edge + reach + frameSpan))
        let step = max(1, Int(samplesPerBit / 16))
        var best: Candidate?
        func consider(_ offset: Int) {
            guard let candidate = sampleBits(at: edge + offset, prefix: prefix) else { return }
            // Prefer the expected edge on ties.
            if let current = best {
                let better = candidate.score > current.score + 1e-9
                    || (abs(candidate.score - current.score) <= 1e-9 && abs(candidate.edge - edge) < abs(current.edge - edge))
                guard better else { return }
            }
            best = candidate
        }
        for offset in stride(from: -reach, through: reach, by: step) { consider(offset) }
        if step > 1, let coarse = best?.edge {
            for offset in (coarse - edge - step + 1)...(coarse - edge + step - 1) where abs(offset) <= reach {
                consider(offset)
            }
        }
        guard let best else { return nil }
        var byte: UInt8 = 0
        for index in 0..<8 where best.marks[index + 1] {
            byte |= 1 << index
        }
        let character = V21Character(rawValue: byte)
        let nanoseconds = Int64((Double(best.edge) / sampleRate * 1e9).rounded())
        return V21Demodulator.Received(
            byte: byte, character: character.character, parityOK: character.parityOK, channel: channel,
            startSample: best.edge, time: .nanoseconds(nanoseconds)
        )
    }

    private struct Candidate {
        var edge: Int
        var marks: [Bool]
        var score: Double
    }

    /// The ten bits of a frame starting at `edge`, each judged over exactly its own samples,
    /// with a cleanliness score; nil if the framing or the carrier is wrong.
    private func sampleBits(at edge: Int, prefix: Prefix) -> Candidate? {
        var marks: [Bool] = []
        marks.reserveCapacity(10)
        var difference = 0.0, total = 0.0, weighted = 0.0, energy = 0.0
        for bit in 0..<10 {
            let lower = edge + Int((Double(bit) * samplesPerBit).rounded())
            let upper = edge + Int((Double(bit + 1) * samplesPerBit).rounded())
            guard let sums = prefix.sums(lower, upper) else { return nil }
            let mark = sums.markI * sums.markI + sums.markQ * sums.markQ
            let space = sums.spaceI * sums.spaceI + sums.spaceQ * sums.spaceQ
            marks.append(mark > space)
            difference += abs(mark - space)
            total += mark + space
            weighted += 2 * (mark + space) / Double(upper - lower)
            energy += sums.power
        }
        guard !marks[0], marks[9], energy > 0, weighted / energy > carrierThreshold, total > 0 else { return nil }
        return Candidate(edge: edge, marks: marks, score: difference / total)
    }

    /// Prefix sums of the mixed-down products and power over part of the history, so each
    /// bit's sums cost two look-ups.
    private struct Prefix {
        var origin: Int
        var markI: [Double] = [0]
        var markQ: [Double] = [0]
        var spaceI: [Double] = [0]
        var spaceQ: [Double] = [0]
        var power: [Double] = [0]

        init(receiver: V21ChannelReceiver, from: Int, to: Int) {
            origin = from
            let count = max(0, to - from)
            markI.reserveCapacity(count + 1)
            markQ.reserveCapacity(count + 1)
            spaceI.reserveCapacity(count + 1)
            spaceQ.reserveCapacity(count + 1)
            power.reserveCapacity(count + 1)
            for absolute in from..<max(from, to) {
                let index = absolute - receiver.bufferStart
                markI.append(markI.last! + Double(receiver.markI[index]))
                markQ.append(markQ.last! + Double(receiver.markQ[index]))
                spaceI.append(spaceI.last! + Double(receiver.spaceI[index]))
                spaceQ.append(spaceQ.last! + Double(receiver.spaceQ[index]))
                power.append(power.last! + Double(receiver.power[index]))
            }
        }

        /// Sums over `lower..<upper` (absolute indices); nil outside the stored range.
        func sums(_ lower: Int, _ upper: Int) -> (markI: Double, markQ: Double, spaceI: Double, spaceQ: Double, power: Double)? {
            let a = lower - origin
            let b = upper - origin
            guard a >= 0, b < markI.count, b > a else { return nil }
            return (markI[b] - markI[a], markQ[b] - markQ[a], spaceI[b] - spaceI[a], spaceQ[b] - spaceQ[a], power[b] - power[a])
        }
    }
}
