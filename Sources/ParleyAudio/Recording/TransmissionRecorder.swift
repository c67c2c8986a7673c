import Foundation
import Logging
import ParleyCore
import ParleyDSP
import SystemPackage

/// Records a channel's transmissions, one Ogg Opus file each, with pre-roll.
///
/// Feed it every captured block with ``append(_:)-([Int16])`` whether or not a transmission
/// is in progress: between transmissions it keeps the last `preRoll` of audio, so a
/// recording started at squelch open begins with the audio just before it.
///
/// ```swift
/// recorder.append(frame)                       // every frame from the CaptureStream
/// try recorder.start(at: openedAt)             // squelch opened
/// let recording = try recorder.finish()        // squelch closed → the transmission row
/// ```
/// A write failure mid-transmission (disk full) does not throw from `append`: it is logged
/// once, later audio is counted as lost, and `finish()` reports it in
/// ``TransmissionRecording/failure`` so the row is still written.
///
/// Owned by one task (the channel's); not thread-safe.
public final class TransmissionRecorder {
    public struct Configuration: Sendable, Hashable {
        public var channel: String
        public var sampleRate: SampleRate
        /// The recordings root, normally `STATE_DIR/recordings`; files go into
        /// `YYYY/MM/DD/` below it (``RecordingPath``).
        public var directory: FilePath
        public var opus: OpusSettings
        /// Audio kept from before the squelch opened.
        public var preRoll: Duration
        /// Pages reach the file (write(2)) at least this often, in audio time: a crash loses
        /// at most this much of the transmission in progress.
        public var flushInterval: Duration
        /// Also fsync at every flush (survives power loss, costs a disk sync per channel per
        /// flush). Without it the file is fsynced when the transmission finishes.
        public var syncOnFlush: Bool

        /// - Parameters: opus default ``OpusSettings/init(application:bitrate:complexity:frameDuration:)``,
        ///   preRoll 300 ms, flushInterval 1 s, syncOnFlush false.
        public init(
            channel: String, sampleRate: SampleRate, directory: FilePath, opus: OpusSettings = OpusSettings(),
            preRoll: Duration = .milliseconds(300), flushInterval: Duration = .seconds(1), syncOnFlush: Bool = false
        ) {
            self.channel = channel
            self.sampleRate = sampleRate
            self.directory = directory
            self.opus = opus
            self.preRoll = max(preRoll, .zero)
            self.flushInterval = flushInterval
            self.syncOnFlush = syncOnFlush
        }
    }

    private struct Active {
        var writer: OggOpusFileWriter?
        var path: FilePath
        var openedAt: Date
        var preRollSamples: Int
        var failure: RecordingError?
        var samplesLost = 0
    }

    public let configuration: Configuration
    private let logger: Logger
    private var preRoll: PreRollBuffer
    private var active: Active?
    /// The day directory last created, so that a day's transmissions skip the mkdir calls.
    private var knownDirectory: FilePath?

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "channel.id"] = "\(configuration.channel)"
        self.logger = logger
        preRoll = PreRollBuffer(capacity: configuration.sampleRate.samples(in: configuration.preRoll + Self.maxReachBack))
    }

    /// How much audio, beyond the pre-roll, ``start(at:reachingBack:)`` can still take from
    /// before the call: the time between activity starting and the squelch confirming it
    /// (attack, debounce, and a consumer running late on a loaded machine).
    public static let maxReachBack: Duration = .seconds(2)

    deinit {
        // Not finished (shutdown mid-transmission): the file stays as a crash would leave it,
        // decodable up to the last flush; RecordingRepair completes it on the next start.
        _ = active?.writer?.abandon()
    }

    public var isRecording: Bool { active != nil }

    /// The file being written, if a transmission is in progress.
    public var currentPath: FilePath? { active?.path }

    /// The open recording's descriptor (tests swap it for /dev/full to provoke ENOSPC).
    var currentDescriptor: FileDescriptor? { active?.writer?.file.descriptor }

    /// Feeds captured audio: into the file while recording, into the pre-roll otherwise.
    public func append(_ samples: [Int16]) {
        samples.withUnsafeBufferPointer { append($0) }
    }

    public func append(_ frame: AudioFrame) {
        precondition(frame.sampleRate == configuration.sampleRate, "frame rate differs from the recorder's")
        append(frame.samples)
    }

    public func append(_ samples: UnsafeBufferPointer<Int16>) {
        guard var recording = active else {
            preRoll.append(samples)
            return
        }
        guard let writer = recording.writer else {
            active?.samplesLost += samples.count
            return
        }
        do {
            try writer.write(samples)
        } catch {
            recording.failure = error
            recording.samplesLost += samples.count
            recording.writer = nil
            _ = writer.abandon()
            active = recording
            logger.warning("Recording write failed", metadata: ["recording.path": "\(recording.path)", "recording.error": "\(error)"])
        }
    }

    /// Starts a transmission's file at `RecordingPath.file(root: directory, …, openedAt:)`,
    /// beginning with the pre-roll. `openedAt` is the squelch-open time (UTC). `reachingBack`
    /// is audio already appended since the activity began (up to ``maxReachBack``): it is kept
    /// too, so the file holds the pre-roll before the activity, not before this call.
    @discardableResult
    public func start(at openedAt: Date, reachingBack: Duration = .zero) throws(RecordingError) -> FilePath {
        if let active { throw .alreadyRecording(active.path) }
        let file = RecordingPath.file(root: configuration.directory, channel: configuration.channel, openedAt: openedAt)
        let comments = [
            "ENCODER=Parley", "PARLEY_CHANNEL=\(configuration.channel)",
            "PARLEY_OPENED=\(RecordingPath.stamp(openedAt))",
            "PARLEY_PREROLL_MS=\(Int64(configuration.sampleRate.samples(in: configuration.preRoll)) * 1000 / Int64(configuration.sampleRate.rawValue))",
        ]
        var path = try createParent(of: file)
        let writer: OggOpusFileWriter
        do {
            writer = try makeWriter(path, comments)
        } catch {
            // The day directory may have been removed since it was created: once more, afresh.
            knownDirectory = nil
            path = try createParent(of: file)
            writer = try makeWriter(path, comments)
        }
        let rate = configuration.sampleRate
        let sinceActivity = rate.samples(in: min(max(reachingBack, .zero), Self.maxReachBack))
        let drained = preRoll.drain()
        let held = Array(drained.suffix(rate.samples(in: configuration.preRoll) + sinceActivity))
        // What precedes `openedAt` (the activity's start) is the held audio before the reach-back.
        active = Active(writer: writer, path: path, openedAt: openedAt, preRollSamples: max(held.count - sinceActivity, 0))
        logger.debug("Recording started", metadata: ["recording.path": "\(path)"])
        append(held)
        return path
    }

    /// Ends the transmission: completes, fsyncs and closes the file.
    public func finish() throws(RecordingError) -> TransmissionRecording {
        guard let recording = active else { throw .notRecording }
        active = nil
        let rate = configuration.sampleRate
        var result = TransmissionRecording(
            channel: configuration.channel, path: recording.path, openedAt: recording.openedAt,
            startedAt: recording.openedAt - rate.duration(ofSamples: recording.preRollSamples).inSeconds,
            endedAt: recording.openedAt, duration: .zero, preRoll: rate.duration(ofSamples: recording.preRollSamples),
            level: AudioLevel(peakDBFS: AudioLevel.floor, rmsDBFS: AudioLevel.floor), sampleRate: rate, sampleCount: 0,
            frameCount: 0, byteCount: 0, sha256: "", failure: recording.failure, samplesLost: recording.samplesLost)
        if let writer = recording.writer {
            do {
                let summary = try writer.finish()
                result.sampleCount = summary.sampleCount
                result.frameCount = summary.packetCount
                result.byteCount = summary.byteCount
                result.level = summary.level
                result.sha256 = summary.sha256
            } catch {
                result.failure = error
                _ = writer.abandon()
                logger.warning("Recording write failed", metadata: ["recording.path": "\(recording.path)", "recording.error": "\(error)"])
                describeFromFile(&result)
            }
        } else {
            describeFromFile(&result)
        }
        result.duration = rate.duration(ofSamples: result.sampleCount)
        result.endedAt = result.startedAt + result.duration.inSeconds
        logger.debug("Recording finished", metadata: ["recording.path": "\(recording.path)", "recording.samples": "\(result.sampleCount)"])
        return result
    }

    private func makeWriter(_ path: FilePath, _ comments: [String]) throws(RecordingError) -> OggOpusFileWriter {
        try OggOpusFileWriter(
            path: path, sampleRate: configuration.sampleRate, settings: configuration.opus, comments: comments,
            flushInterval: configuration.flushInterval, syncOnFlush: configuration.syncOnFlush)
    }

    /// After a write failure, the file is the truth: report what it holds.
    private func describeFromFile(_ result: inout TransmissionRecording) {
        guard let inspection = try? RecordingRepair.inspect(result.path) else { return }
        result.sampleCount = inspection.sampleCount
        result.frameCount = inspection.packetCount
        result.byteCount = inspection.validBytes
        result.level = inspection.level
        result.sha256 = inspection.sha256
    }

    /// Creates the day directories (mode 0750, like the state directory) and picks a free
    /// name: a recording is never overwritten.
    private func createParent(of path: FilePath) throws(RecordingError) -> FilePath {
        let directory = path.removingLastComponent()
        if directory != knownDirectory {
            var prefix = FilePath(root: path.root)
            for component in directory.components {
                prefix.append(component)
                if mkdir(prefix.string, 0o750) != 0 && errno != EEXIST {
                    throw .cannotCreate(prefix, Errno(rawValue: errno))
                }
            }
            knownDirectory = directory
        }
        var candidate = path
        var suffix = 2
        while FileManager.default.fileExists(atPath: candidate.string) {
            candidate = path.removingLastComponent().appending("\(path.stem ?? "recording")-\(suffix).opus")
            suffix += 1
        }
        return candidate
    }}
