import Foundation

/// Finds DTMF digits (ITU-T Q.23 keys) in audio at any sample rate from 6 kHz, with the
/// acceptance rules of Q.24: frequency, twist, duration and pause. Feed blocks of any size;
/// each digit comes back when it has ended (about 25 ms after its tone stops), and the result
/// does not depend on how the audio was split into blocks.
///
/// Every 5 ms the last 25 ms are looked at (``ToneBlocks``, Goertzel bins of the eight keypad
/// tones and of their second harmonics). The window holds a key when:
/// - in each group one tone stands out: every other tone of the group is at least
///   ``Configuration/groupDominance`` below it (talk-off: speech spreads over many bins);
/// - each tone lies within 3.5 % of its nominal frequency (Q.24's reject limit), as measured
///   from the turn of its bin's phase across the window;
/// - the twist is within limits: the row tone at most ``Configuration/normalTwist`` dB above
///   the column tone, the column tone at most ``Configuration/reverseTwist`` dB above the row;
/// - the two tones hold at least ``Configuration/minimumToneShare`` of the window's power;
/// - neither tone's second harmonic reaches ``Configuration/harmonicLimit`` of it (voiced
///   speech has harmonics, a DTMF generator does not);
/// - both tones are present in the window's first and last 5 ms (the tone fills the window,
///   which is what times its start and end to a few milliseconds).
///
/// Windows holding the same key make a candidate digit. The windows time a tone only to about a
/// block (in noise one may reach a block past the tone's end, or the first may come a block
/// late), so when the candidate has ended the digit itself is fitted (``DTMFDigitFit``): one
/// steady sinusoid per tone, on for one extent shared by both tones, whose edges are found to
/// a tenth of a block. It counts as a digit when, over that extent:
/// - it lasts at least ``Configuration/minimumDuration`` (less 2.5 ms for the fit's error), so
///   a clean tone of 40 ms counts wherever it starts on the block grid;
/// - each tone is within ``Configuration/frequencyTolerance`` of its nominal frequency;
/// - each tone is steady: one sinusoid of fixed frequency, phase and level explains at least
///   ``Configuration/minimumCoherence`` of the energy in its bin. A key's tones hold frequency
///   and level; a voice's harmonics glide and swell, and this is what tells most talk-off from
///   a digit (the window checks alone let through a few vowels);
/// - at the finer resolution of the whole digit, the other tones of each group stay 6 dB below
///   (speech has harmonics near them), and the two tones are absent from the 10 ms just outside
///   the extent (a key starts and stops at once; a voice fades).
///
/// A break shorter than half of ``Configuration/minimumPause`` is bridged — the same digit goes
/// on — so a pause of the minimum length always separates two digits and a dropout of a few
/// milliseconds never doubles one (the tones on either side of a real gap are fitted apart, as
/// they need not keep their phase across it).
public struct DTMFDecoder: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Samples per second; at least 6000.
        public var sampleRate: Double
        /// Relative frequency error accepted for each tone, measured over the digit (Q.23 lets
        /// a sender be 1.8 % off; Q.24: ±1.5 % must be accepted, beyond ±3.5 % rejected).
        /// Voices that pass the window checks mostly sit 1.7–2.3 % off a key's tones.
        public var frequencyTolerance: Double
        /// How far (dB) the row tone may lie above the column tone.
        public var normalTwist: Double
        /// How far (dB) the column tone may lie above the row tone.
        public var reverseTwist: Double
        /// Share (0…1) of the window's power that the two tones must hold.
        public var minimumToneShare: Double
        /// How far (dB) every other tone of a group must lie below the group's strongest.
        public var groupDominance: Double
        /// A tone's second harmonic must stay below this share of the tone's power.
        public var harmonicLimit: Double
        /// Share (0…1) of the energy in each tone's bin over the digit that one sinusoid of
        /// fixed frequency, phase and level must explain. A key's tones hold their frequency
        /// and level (about 1; 0.9 in noise at 0 dB, where 1–2 % of the tones fall below 0.8);
        /// the harmonics of a voice glide and swell (talk-off).
        public var minimumCoherence: Double
        /// Shortest tone that counts (Q.24 operate time 40 ms).
        public var minimumDuration: Duration
        /// Shortest pause that surely separates two digits; breaks under half of it are bridged.
        public var minimumPause: Duration

        public init(
            sampleRate: Double,
            frequencyTolerance: Double = 0.018,
            normalTwist: Double = 8,
            reverseTwist: Double = 4,
            minimumToneShare: Double = 0.35,
            groupDominance: Double = 10,
            harmonicLimit: Double = 0.25,
            minimumCoherence: Double = 0.8,
            minimumDuration: Duration = .milliseconds(40),
            minimumPause: Duration = .milliseconds(40)
        ) {
            self.sampleRate = sampleRate
            self.frequencyTolerance = frequencyTolerance
            self.normalTwist = normalTwist
            self.reverseTwist = reverseTwist
            self.minimumToneShare = minimumToneShare
            self.groupDominance = groupDominance
            self.harmonicLimit = harmonicLimit
            self.minimumCoherence = minimumCoherence
            self.minimumDuration = minimumDuration
            self.minimumPause = minimumPause
        }
    }

    /// One digit.
    public struct Detection: Sendable, Hashable {
        /// "0"–"9", "*", "#", "A"–"D".
        public var digit: Character
        /// First sample of the tone, counted from the first sample fed.
        public var startSample: Int
        /// One past the tone's last sample.
        public var endSample: Int
        /// `startSample` as time from the first sample fed.
        public var startTime: Duration
        /// `endSample` as time from the first sample fed.
        public var endTime: Duration
    }

    /// Digits close together, as a talker id: the digits of a string with no more than a
    /// given gap between one digit's end and the next one's start.
    public struct DigitString: Sendable, Hashable {
        public var digits: String
        public var startTime: Duration
        public var endTime: Duration
    }

    public let configuration: Configuration
    private var blocks: ToneBlocks
    /// The keypad tones' block sums of the run, or of the last few blocks when there is none.
    private var sums: DTMFDigitFit
    private let limits: DTMFDigitFit.Limits
    private var run: Run?
    private let minimumRunLength: Int
    private let bridgeLength: Int
    private let dominance: Double
    private let normalTwistRatio: Double
    private let reverseTwistRatio: Double
    /// Bin indices of the second harmonics that lie below half the sample rate.
    private let harmonicBins: [Int?]

    private struct Run {
        var digit: Int
        var start: Int
        var end: Int
        /// The sample ranges covered by the run's windows: more than one when a break was
        /// bridged.
        var stretches: [Range<Int>]
        /// Over the run's windows: the sum of each tone's offset (Hz), and how many.
        var offsetSums: (row: Double, column: Double)
        var windows = 1
        /// The verdict on a run longer than the blocks kept, made when they ran out.
        var early: Verdict?

        enum Verdict {
            case passed(start: Int)
            case failed
        }

        init(_ window: Window, start: Int, end: Int) {
            self.digit = window.key
            self.start = start
            self.end = end
            self.stretches = [start..<end]
            self.offsetSums = window.offsets
        }

        mutating func add(_ window: Window, start: Int, end: Int, bridged: Bool) {
            if bridged {
                stretches.append(start..<end)
            } else {
                stretches[stretches.count - 1] = stretches[stretches.count - 1].lowerBound..<end
            }
            self.end = end
            offsetSums.row += window.offsets.row
            offsetSums.column += window.offsets.column
            windows += 1
        }
    }

    /// Blocks kept per run for the checks on the whole digit: 2 s (a longer tone is judged on
    /// its first 2 s).
    static let maximumRunBlocks = 400

    /// A window's tones may lie this far off (Q.24's reject limit); the digit's tones must lie
    /// within ``Configuration/frequencyTolerance``.
    static let windowFrequencyTolerance = 0.035
    /// Block 5 ms, window 25 ms.
    static let blockDuration = 0.005
    static let windowBlocks = 5
    /// A block at the window's edge must hold this share of the tone's power (a block half
    /// filled by the tone holds a quarter).
    static let edgeFill = 0.25

    public init(configuration: Configuration) {
        precondition(configuration.sampleRate >= 6000, "DTMF needs a sample rate of at least 6000 Hz")
        self.configuration = configuration
        let tones = DTMF.rowFrequencies + DTMF.columnFrequencies
        let harmonics = tones.map { 2 * $0 }.filter { $0 < configuration.sampleRate / 2 }
        self.harmonicBins = tones.indices.map { index in
            let position = harmonics.firstIndex(of: 2 * tones[index])
            return position.map { tones.count + $0 }
        }
        self.blocks = ToneBlocks(
            sampleRate: configuration.sampleRate, frequencies: tones + harmonics,
            blockDuration: Self.blockDuration, windowBlocks: Self.windowBlocks)
        let block = blocks.blockLength
        let rate = configuration.sampleRate
        self.sums = DTMFDigitFit(blockLength: block, sampleRate: rate)
        self.limits = DTMFDigitFit.Limits(
            coherence: configuration.minimumCoherence, frequencyTolerance: configuration.frequencyTolerance,
            minimumExtent: ToneGenerator.sampleCount(configuration.minimumDuration, sampleRate: rate)
                - Int((DTMFDigitFit.durationAllowance * rate).rounded()),
            searchTolerance: Self.windowFrequencyTolerance)
        // A clean tone of the minimum length, wherever it starts on the block grid, fills
        // windows from at most half a block before its start to half a block past its end
        // (edge blocks at least half filled); the window at an edge may still fail (a block
        // barely half filled turns the window's frequency estimate), so a block less. This only
        // sorts out candidates: the fitted extent is what must last the minimum duration.
        self.minimumRunLength = ToneGenerator.sampleCount(configuration.minimumDuration, sampleRate: rate) - block
        self.bridgeLength = ToneGenerator.sampleCount(configuration.minimumPause, sampleRate: rate) / 2
        self.dominance = pow(10, -configuration.groupDominance / 10)
        self.normalTwistRatio = pow(10, configuration.normalTwist / 10)
        self.reverseTwistRatio = pow(10, configuration.reverseTwist / 10)
    }

    /// Feeds samples (full scale 1.0); returns the digits that ended in them.
    public mutating func process(_ samples: some Collection<Float>) -> [Detection] {
        var out: [Detection] = []
        for sample in samples where blocks.push(Double(sample)) {
            step(into: &out)
        }
        return out
    }

    /// Feeds 16-bit samples; returns the digits that ended in them.
    public mutating func process(_ samples: some Collection<Int16>) -> [Detection] {
        var out: [Detection] = []
        for sample in samples where blocks.push(Double(sample) * (1.0 / 32768)) {
            step(into: &out)
        }
        return out
    }

    /// The end of the audio: a digit still sounding is reported if long enough.
    public mutating func finish() -> [Detection] {
        var out: [Detection] = []
        close(into: &out)
        return out
    }

    /// Groups digits into strings: a new string starts where more than `gap` passes between
    /// one digit's end and the next one's start.
    public static func strings(of detections: [Detection], gap: Duration = .seconds(1)) -> [DigitString] {
        var out: [DigitString] = []
        for detection in detections {
            if var last = out.last, detection.startTime - last.endTime <= gap {
                last.digits.append(detection.digit)
                last.endTime = detection.endTime
                out[out.count - 1] = last
            } else {
                out.append(DigitString(digits: String(detection.digit), startTime: detection.startTime, endTime: detection.endTime))
            }
        }
        return out
    }

    // MARK: - Windows

    private mutating func step(into out: inout [Detection]) {
        if var current = run, current.early == nil, sums.count >= Self.maximumRunBlocks + DTMFDigitFit.leadBlocks {
            // The blocks kept are full: judge the digit on them, its tones sounding on.
            current.early = judge(current, openEnd: true).map { .passed(start: $0.lowerBound) } ?? .failed
            run = current
        }
        sums.append(blocks, index: blocks.blockIndex)
        if run?.early != nil || run == nil {
            // Only the last few blocks, for the next digit's start.
            sums.keepLast(blocks.windowBlocks + DTMFDigitFit.leadBlocks)
        }
        guard blocks.windowFull else { return }
        let window = classify()
        let start = blocks.windowStart, end = blocks.windowEnd
        if let window {
            if var current = run {
                if current.digit == window.key, start - current.end < bridgeLength {
                    // A window that does not follow the last one comes after a bridged break.
                    current.add(window, start: start, end: end, bridged: start - current.end > blocks.blockLength - blocks.windowLength)
                    run = current
                    return
                }
                close(into: &out)
            }
            run = Run(window, start: start, end: end)
            sums.keep(from: start / blocks.blockLength - DTMFDigitFit.leadBlocks)
        } else if let current = run, start + blocks.blockLength - current.end >= bridgeLength {
            // Not even the next window could continue the digit.
            close(into: &out)
        }
    }

    private mutating func close(into out: inout [Detection]) {
        guard let current = run else { return }
        run = nil
        guard current.end - current.start >= minimumRunLength else { return }
        let extent: Range<Int>
        switch current.early {
        case .passed(let start): extent = start..<current.end
        case .failed: return
        case nil:
            guard let fitted = judge(current, openEnd: false) else { return }
            extent = fitted
        }
        out.append(Detection(
            digit: DTMF.keys[current.digit / 4][current.digit % 4],
            startSample: extent.lowerBound, endSample: extent.upperBound,
            startTime: time(extent.lowerBound), endTime: time(extent.upperBound)))
    }

    /// Where the run's digit lies, if it passes the checks on the whole digit (``DTMFDigitFit``).
    private func judge(_ current: Run, openEnd: Bool) -> Range<Int>? {
        let windows = Double(current.windows)
        return sums.digit(
            key: current.digit, stretches: current.stretches,
            offsets: (current.offsetSums.row / windows, current.offsetSums.column / windows),
            openEnd: openEnd, limits: limits)
    }

    private func time(_ sample: Int) -> Duration {
        .nanoseconds(Int64((Double(sample) / configuration.sampleRate * 1e9).rounded()))
    }

    /// What a window holding a key shows.
    private struct Window {
        /// Row × 4 + column.
        var key: Int
        /// Offsets (Hz) of the row and the column tone from their nominal frequencies.
        var offsets: (row: Double, column: Double)
    }

    /// The key the window holds, if any.
    private func classify() -> Window? {
        var nominal = [Double](repeating: 0, count: 8)
        for index in 0..<8 { nominal[index] = blocks.power(index) }
        guard let row = (0..<4).max(by: { nominal[$0] < nominal[$1] }),
              let column = (4..<8).max(by: { nominal[$0] < nominal[$1] }),
              nominal[row] > 0, nominal[column] > 0 else { return nil }
        let tones = DTMF.rowFrequencies + DTMF.columnFrequencies

        var powers = [0.0, 0.0]
        var turns = [0.0, 0.0]
        for (slot, index) in [row, column].enumerated() {
            let turn = blocks.turn(index)
            guard abs(blocks.offset(turn: turn)) <= Self.windowFrequencyTolerance * tones[index] else { return nil }
            turns[slot] = turn
            powers[slot] = blocks.power(index, turnedBack: turn)
        }
        let (rowPower, columnPower) = (powers[0], powers[1])

        // Twist.
        guard rowPower <= columnPower * normalTwistRatio, columnPower <= rowPower * reverseTwistRatio else { return nil }
        // Share of the window's power.
        guard rowPower + columnPower >= configuration.minimumToneShare * blocks.meanSquare else { return nil }
        // One tone per group.
        for index in 0..<4 where index != row {
            guard nominal[index] <= dominance * rowPower else { return nil }
        }
        for index in 4..<8 where index != column {
            guard nominal[index] <= dominance * columnPower else { return nil }
        }
        // Second harmonics — not the row's when it lies too near the column tone to be told
        // apart from it (keys 2, 6 and C: 58–71 Hz apart at the nominal frequencies, less with
        // frequency errors).
        let measured = [tones[row] + blocks.offset(turn: turns[0]), tones[column] + blocks.offset(turn: turns[1])]
        let resolution = configuration.sampleRate / Double(blocks.windowLength)
        for (slot, index) in [row, column].enumerated() {
            guard let harmonic = harmonicBins[index] else { continue }
            if slot == 0, abs(2 * measured[0] - measured[1]) < 2 * resolution { continue }
            guard blocks.power(harmonic, turnedBack: 2 * turns[slot]) <= configuration.harmonicLimit * powers[slot] else { return nil }
        }
        // The tones fill the window.
        let last = blocks.windowBlocks - 1
        for (slot, index) in [row, column].enumerated() {
            let threshold = Self.edgeFill * powers[slot]
            guard blocks.blockPower(index, at: 0) >= threshold, blocks.blockPower(index, at: last) >= threshold else { return nil }
        }
        return Window(key: row * 4 + (column - 4), offsets: (blocks.offset(turn: turns[0]), blocks.offset(turn: turns[1])))
    }
}
