/// Voice-operated squelch: opens when the level stays at or above a threshold for the attack
/// time, closes when it stays below for the hang time.
///
/// A value-type state machine fed with each block's level and duration; time is the audio's
/// own (the sum of block durations), so tests feed blocks instead of sleeping and the
/// detector behaves the same on paced and unpaced sources.
public struct VoxDetector: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Level (RMS dBFS) at or above which a block counts as activity.
        public var thresholdDBFS: Double
        /// Activity must last this long before the squelch opens (rejects clicks).
        public var attack: Duration
        /// Silence must last this long before the squelch closes (bridges pauses between words).
        public var hang: Duration

        public init(thresholdDBFS: Double = -40, attack: Duration = .milliseconds(50), hang: Duration = .milliseconds(800)) {
            self.thresholdDBFS = thresholdDBFS
            self.attack = attack
            self.hang = hang
        }
    }

    /// What the caller should do after a block.
    public enum Action: Sendable, Hashable {
        /// The squelch opened. `activeFor` is how long activity had lasted (≥ attack), so a
        /// recorder can reach back that far into its pre-roll.
        case open(activeFor: Duration)
        /// The squelch closed. `quietFor` is how long it had been quiet (≥ hang).
        case close(quietFor: Duration)
    }

    private enum State: Sendable, Hashable {
        case closed
        case attacking(active: Duration)
        case open
        case hanging(quiet: Duration)
    }

    public let configuration: Configuration
    private var state: State = .closed

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// True while the squelch is open (including the hang time).
    public var isOpen: Bool {
        switch state {
        case .closed, .attacking: false
        case .open, .hanging: true
        }
    }

    /// Feeds one block's RMS level and duration; returns an action when the squelch changes.
    public mutating func process(levelDBFS: Double, duration: Duration) -> Action? {
        let active = levelDBFS >= configuration.thresholdDBFS
        switch (state, active) {
        case (.closed, false):
            return nil
        case (.closed, true):
            return attack(after: .zero, adding: duration)
        case (.attacking(let sofar), true):
            return attack(after: sofar, adding: duration)
        case (.attacking, false):
            state = .closed
            return nil
        case (.open, true), (.hanging, true):
            state = .open
            return nil
        case (.open, false):
            return hang(after: .zero, adding: duration)
        case (.hanging(let sofar), false):
            return hang(after: sofar, adding: duration)
        }
    }

    /// Measures `samples` (16-bit) and feeds the block; `sampleRate` gives its duration.
    public mutating func process(_ samples: some Collection<Int16>, sampleRate: Int) -> Action? {
        let duration = Duration.nanoseconds(Int64(samples.count) * 1_000_000_000 / Int64(sampleRate))
        return process(levelDBFS: AudioLevel(samples).rmsDBFS, duration: duration)
    }

    /// Forces the squelch closed (for example after a stuck-open time-out).
    public mutating func reset() -> Action? {
        let wasOpen = isOpen
        state = .closed
        return wasOpen ? .close(quietFor: .zero) : nil
    }

    private mutating func attack(after sofar: Duration, adding duration: Duration) -> Action? {
        let total = sofar + duration
        if total >= configuration.attack {
            state = .open
            return .open(activeFor: total)
        }
        state = .attacking(active: total)
        return nil
    }

    private mutating func hang(after sofar: Duration, adding duration: Duration) -> Action? {
        let total = sofar + duration
        if total >= configuration.hang {
            state = .closed
            return .close(quietFor: total)
        }
        state = .hanging(quiet: total)
        return nil
    }
}
