import Foundation
import ParleyDSP
import SystemPackage

/// One finished transmission recording: what the store's transmission row needs.
public struct TransmissionRecording: Sendable, Hashable {
    public var channel: String
    public var path: FilePath
    /// When the squelch opened (the time given to `start(at:)`).
    public var openedAt: Date
    /// The time of the file's first sample: ``openedAt`` minus the pre-roll held.
    public var startedAt: Date
    /// ``startedAt`` plus ``duration``.
    public var endedAt: Date
    /// Length of the audio in the file (pre-roll included), exact to the sample.
    public var duration: Duration
    /// How much of the file precedes ``openedAt``.
    public var preRoll: Duration
    /// Peak and RMS over the recorded samples.
    public var level: AudioLevel
    public var sampleRate: SampleRate
    /// Samples recorded at ``sampleRate``.
    public var sampleCount: Int
    /// Opus packets (20 ms frames) in the file, including the padding at the end.
    public var frameCount: Int
    public var byteCount: Int
    /// Lower-case hex SHA-256 of the file as closed.
    public var sha256: String
    /// Set when writing failed part-way: the file holds the audio up to ``duration`` and
    /// ``samplesLost`` more samples were not written.
    public var failure: RecordingError?
    public var samplesLost: Int
}
