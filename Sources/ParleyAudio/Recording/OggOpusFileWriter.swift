import COpus
import ParleyDSP
import SystemPackage

/// Encodes one transmission into one Ogg Opus file (RFC 7845) with raw libopus at the
/// channel's rate and libogg for the pages — measured cheaper than libopusenc, which
/// resamples everything to 48 kHz (docs/BENCHMARKS.md, "Recorder").
///
/// Crash safety: the headers are written at once, and the audio pages at least every
/// `flushInterval` of audio with write(2) (optionally fsync), so a crash loses at most that
/// much; ``RecordingRepair`` reads and seals what is left.
final class OggOpusFileWriter {
    struct Summary {
        var sampleCount: Int
        var packetCount: Int
        var byteCount: Int
        var level: AudioLevel
        var sha256: String
    }

    let file: RecordingFile
    private let encoder: OpusFrameEncoder
    private let packer: OggPacker
    private let samplesPer48k: Int
    private let flushSamples: Int
    private let syncOnFlush: Bool

    private var pending: [Int16]
    private var pendingCount = 0
    private var packet = [UInt8](repeating: 0, count: OpusFrameEncoder.maximumPacketBytes)
    /// The newest packet is held back one frame so that the last one can be marked
    /// end-of-stream with the exact end position.
    private var held = [UInt8](repeating: 0, count: OpusFrameEncoder.maximumPacketBytes)
    private var heldLength: Int?
    private var heldGranule: Int64 = 0
    private var out: [UInt8] = []

    private(set) var sampleCount = 0
    private var encodedSamples = 0
    private(set) var packetCount = 0
    private var samplesSinceFlush = 0
    private var meter = AudioLevel.Meter()

    init(
        path: FilePath, sampleRate: SampleRate, settings: OpusSettings, comments: [String],
        flushInterval: Duration, syncOnFlush: Bool
    ) throws(RecordingError) {
        encoder = try OpusFrameEncoder(sampleRate: sampleRate, settings: settings)
        samplesPer48k = 48_000 / sampleRate.rawValue
        flushSamples = max(sampleRate.samples(in: flushInterval), encoder.frameSamples)
        self.syncOnFlush = syncOnFlush
        pending = [Int16](repeating: 0, count: encoder.frameSamples)
        packer = OggPacker(serial: Int32.random(in: Int32.min...Int32.max))
        file = try RecordingFile(creating: path)

        var head = OpusHeaders.identification(preSkip: encoder.lookahead * samplesPer48k, inputSampleRate: sampleRate.rawValue)
        var tags = OpusHeaders.comments(vendor: OpusFrameEncoder.libraryVersion, comments)
        head.withUnsafeMutableBufferPointer { packer.add($0, granule: 0, first: true) }
        packer.takePages(flush: true, into: &out)
        tags.withUnsafeMutableBufferPointer { packer.add($0, granule: 0) }
        packer.takePages(flush: true, into: &out)
        try writeOut()
    }

    /// Appends samples (any count); encodes each complete frame.
    func write(_ samples: UnsafeBufferPointer<Int16>) throws(RecordingError) {
        meter.add(samples)
        sampleCount += samples.count
        var offset = 0
        let frameSamples = encoder.frameSamples
        while offset < samples.count {
            let take = min(frameSamples - pendingCount, samples.count - offset)
            pending.withUnsafeMutableBufferPointer { buffer in
                _ = UnsafeMutableBufferPointer(rebasing: buffer[pendingCount..<pendingCount + take])
                    .update(fromContentsOf: UnsafeBufferPointer(rebasing: samples[offset..<offset + take]))
            }
            pendingCount += take
            offset += take
            if pendingCount == frameSamples {
                try encodePending()
                if samplesSinceFlush >= flushSamples { try flush() }
            }
        }
    }

    /// Pads and encodes the tail (the decoder needs the encoder's look-ahead of extra
    /// samples to produce the last real ones), marks the last page end-of-stream with the
    /// exact length, writes, fsyncs and closes.
    func finish() throws(RecordingError) -> Summary {
        let target = sampleCount + encoder.lookahead
        if pendingCount > 0 || encodedSamples < target {
            repeat {
                pending.withUnsafeMutableBufferPointer { buffer in
                    UnsafeMutableBufferPointer(rebasing: buffer[pendingCount...]).update(repeating: 0)
                }
                pendingCount = encoder.frameSamples
                try encodePending()
            } while encodedSamples < target
        }
        if let length = heldLength {
            let end = Int64((encoder.lookahead + sampleCount) * samplesPer48k)
            held.withUnsafeMutableBufferPointer { packer.add(UnsafeMutableBufferPointer(rebasing: $0[..<length]), granule: end, last: true) }
            heldLength = nil
        }
        packer.takePages(flush: true, into: &out)
        try writeOut()
        try file.sync()
        let digest = file.close()
        try RecordingFile.syncDirectory(of: file.path)
        return Summary(
            sampleCount: sampleCount, packetCount: packetCount, byteCount: file.byteCount, level: meter.level, sha256: digest)
    }

    /// Stops without finishing (the file stays as a crash would leave it); returns the digest.
    func abandon() -> String { file.close() }

    var level: AudioLevel { meter.level }

    private func encodePending() throws(RecordingError) {
        let length = try pending.withUnsafeBufferPointer { (pcm) throws(RecordingError) -> Int in
            try packet.withUnsafeMutableBufferPointer { (buffer) throws(RecordingError) -> Int in
                try encoder.encode(pcm.baseAddress!, into: buffer.baseAddress!)
            }
        }
        pendingCount = 0
        encodedSamples += encoder.frameSamples
        samplesSinceFlush += encoder.frameSamples
        packetCount += 1
        if let previous = heldLength {
            held.withUnsafeMutableBufferPointer {
                packer.add(UnsafeMutableBufferPointer(rebasing: $0[..<previous]), granule: heldGranule)
            }
            packer.takePages(flush: false, into: &out)
        }
        swap(&held, &packet)
        heldLength = length
        // RFC 7845 §4: a page's granule position counts every decoded sample at 48 kHz up to
        // the end of its last packet, pre-skip included.
        heldGranule = Int64(encodedSamples * samplesPer48k)
    }

    private func flush() throws(RecordingError) {
        packer.takePages(flush: true, into: &out)
        try writeOut()
        if syncOnFlush { try file.sync() }
        samplesSinceFlush = 0
    }

    private func writeOut() throws(RecordingError) {
        guard !out.isEmpty else { return }
        try file.write(out)
        out.removeAll(keepingCapacity: true)
    }
}
