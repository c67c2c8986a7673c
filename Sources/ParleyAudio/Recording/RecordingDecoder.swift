import COpus
import Foundation
import SystemPackage

/// A recording decoded to 16-bit mono PCM, for export (``WAVFile``) or playback
/// (``PlaybackSink``).
public struct DecodedRecording: Sendable, Hashable {
    /// The audio, pre-skip removed and trimmed to the end position the file records: as many
    /// samples as ``TransmissionRecording/sampleCount`` for a finished recording.
    public var samples: [Int16]
    /// The rate of ``samples``.
    public var sampleRate: SampleRate
    /// The rate the audio was recorded at (OpusHead's input rate, 0 if unknown).
    public var inputSampleRate: Int
    /// False for a file a crash cut short: its audio ends at the last complete page.
    public var isComplete: Bool
    /// Opus packets decoded.
    public var packetCount: Int
    /// Packets libopus rejected, each replaced by as much concealment audio (normally 0).
    public var concealedPackets: Int
    /// The OpusTags comments, keys upper-cased (`PARLEY_CHANNEL`, `PARLEY_OPENED`, …).
    public var comments: [String: String]

    public init(
        samples: [Int16], sampleRate: SampleRate, inputSampleRate: Int, isComplete: Bool, packetCount: Int,
        concealedPackets: Int, comments: [String: String]
    ) {
        self.samples = samples
        self.sampleRate = sampleRate
        self.inputSampleRate = inputSampleRate
        self.isComplete = isComplete
        self.packetCount = packetCount
        self.concealedPackets = concealedPackets
        self.comments = comments
    }

    /// The length of ``samples``.
    public var duration: Duration { sampleRate.duration(ofSamples: samples.count) }

    /// ``samples`` in consecutive blocks of `duration` (the last may be shorter), as
    /// ``PlaybackSink/Output/write(_:)`` takes them:
    ///
    /// ```swift
    /// let recording = try RecordingDecoder.decode(path, sampleRate: sink.configuration.sampleRate)
    /// let report = try await sink.run { output in
    ///     for block in recording.blocks() { try await output.write(block) }
    /// }
    /// ```
    public func blocks(of duration: Duration = .milliseconds(20)) -> some Sequence<[Int16]> {
        let size = max(1, sampleRate.samples(in: duration))
        let samples = samples
        return stride(from: 0, to: samples.count, by: size).lazy.map { Array(samples[$0..<min($0 + size, samples.count)]) }
    }
}

/// Decodes Parley's Ogg Opus recordings (or any mono or stereo Ogg Opus file) as opusdec does:
/// every packet with libopus, the OpusHead pre-skip removed, the output gain applied, and the
/// audio trimmed to each page's granule position (which cuts the encoder's padding at the end).
///
/// A file a crash cut short decodes up to its last complete page; only a file without a
/// complete OpusHead page is an error.
public enum RecordingDecoder {
    /// Decodes `path` at the rate it was recorded at (OpusHead's input rate; 48 kHz if that
    /// is not one of Parley's rates).
    public static func decode(_ path: FilePath) throws(RecordingError) -> DecodedRecording {
        try decode(path, sampleRate: nil)
    }

    /// Decodes `path` at `sampleRate` (libopus decodes natively at 8, 16 and 48 kHz: no
    /// resampler), e.g. a playback device's rate; `nil` is the rate it was recorded at.
    public static func decode(_ path: FilePath, sampleRate: SampleRate?) throws(RecordingError) -> DecodedRecording {
        let bytes = try RecordingRepair.readAll(path)
        let stream = OggPacketReader.read(bytes)
        guard let first = stream.packets.first else {
            throw .notOggOpus(path, stream.validBytes == 0 ? "no complete Ogg page" : "no packet in its first page")
        }
        guard let head = OpusHeaders.parseIdentification(first.bytes) else { throw .notOggOpus(path, "no OpusHead header") }
        // RFC 7845 §5.1: mapping family 0 is one stream of 1 or 2 channels; others need the
        // multistream decoder (and carry more channels than a radio channel has).
        let mappingFamily = first.bytes[18]
        guard mappingFamily == 0, (1...2).contains(head.channels) else {
            throw .notOggOpus(path, "\(head.channels) channels in mapping family \(mappingFamily); only mono and stereo are supported")
        }
        let rate = sampleRate ?? SampleRate(rawValue: head.inputSampleRate) ?? .hz48000
        let comments = stream.packets.count > 1 ? OpusHeaders.parseComments(stream.packets[1].bytes) ?? [:] : [:]
        let gain = Int16(bitPattern: UInt16(first.bytes[16]) | UInt16(first.bytes[17]) << 8)

        var decoder = try Decoder(rate: rate, preSkip48k: head.preSkip, gainQ8: Int(gain))
        decoder.reserve(upTo: stream.packets.last?.pageGranule ?? 0, packets: stream.packets.count)
        for packet in stream.packets.dropFirst(2) {
            decoder.decode(packet)
        }
        return DecodedRecording(
            samples: decoder.output, sampleRate: rate, inputSampleRate: head.inputSampleRate,
            isComplete: stream.endOfStream && stream.validBytes == bytes.count,
            packetCount: max(0, stream.packets.count - 2), concealedPackets: decoder.concealedPackets, comments: comments)
    }

    /// One libopus decoder (mono output: stereo packets are downmixed) and the trimming state.
    private struct Decoder: ~Copyable {
        private let decoder: OpaquePointer
        private let rate: Int
        private let preSkip48k: Int
        /// Output gain as a linear factor, nil for 0 dB (the samples are then libopus's own).
        private let gain: Double?
        /// Decoded samples still to drop for the pre-skip.
        private var skip: Int
        private var pcm: [Int16]
        /// The duration of the last packet decoded, for concealing a bad one.
        private var lastFrameSamples: Int
        private(set) var output: [Int16] = []
        private(set) var concealedPackets = 0

        init(rate: SampleRate, preSkip48k: Int, gainQ8: Int) throws(RecordingError) {
            var error: Int32 = OPUS_OK
            guard let decoder = opus_decoder_create(Int32(rate.rawValue), 1, &error), error == OPUS_OK else {
                throw .decoder(error)
            }
            self.decoder = decoder
            self.rate = rate.rawValue
            self.preSkip48k = preSkip48k
            gain = gainQ8 == 0 ? nil : pow(10, Double(gainQ8) / (20 * 256))
            skip = Self.scale(Int64(preSkip48k), to: rate.rawValue)
            pcm = [Int16](repeating: 0, count: rate.rawValue * 120 / 1000)  // the longest Opus packet: 120 ms
            lastFrameSamples = rate.rawValue / 50
        }

        deinit { opus_decoder_destroy(decoder) }

        /// Reserves room for the audio up to `granule` (the last page's position), but no more
        /// than `packets` of the longest duration could hold (a damaged granule is no guide).
        mutating func reserve(upTo granule: Int64, packets: Int) {
            output.reserveCapacity(min(Self.scale(max(0, granule - Int64(preSkip48k)), to: rate), packets * pcm.count))
        }

        mutating func decode(_ packet: OggPacketReader.Packet) {
            let capacity = Int32(pcm.count)
            // (An empty packet would make libopus conceal a whole `capacity`: handled below.)
            var count: Int32 = packet.bytes.isEmpty ? OPUS_INVALID_PACKET : packet.bytes.withUnsafeBufferPointer { input in
                pcm.withUnsafeMutableBufferPointer { output in
                    opus_decode(decoder, input.baseAddress, Int32(input.count), output.baseAddress!, capacity, 0)
                }
            }
            if count < 0 {
                // A packet libopus rejects (a page's checksum makes this unlikely): conceal it
                // with as much audio as it stood for, so that what follows keeps its timing.
                concealedPackets += 1
                let stated = packet.bytes.isEmpty ? 0 : packet.bytes.withUnsafeBufferPointer {
                    opus_packet_get_nb_samples($0.baseAddress!, Int32($0.count), Int32(rate))
                }
                let frame = stated > 0 && stated <= capacity ? stated : Int32(lastFrameSamples)
                count = pcm.withUnsafeMutableBufferPointer { opus_decode(decoder, nil, 0, $0.baseAddress!, frame, 0) }
                guard count > 0 else { return }
            }
            let decoded = Int(count)
            lastFrameSamples = decoded
            let dropped = min(skip, decoded)
            skip -= dropped
            var available = decoded - dropped
            // RFC 7845 §4: the audio ends at the granule position of the page a packet ends on
            // (less the pre-skip); on the last page this cuts the encoder's padding.
            if packet.pageGranule >= 0 {
                let end = Self.scale(max(0, packet.pageGranule - Int64(preSkip48k)), to: rate)
                available = min(available, max(0, end - output.count))
            }
            guard available > 0 else { return }
            let kept = pcm[dropped..<dropped + available]
            if let gain {
                output += kept.map { Int16(max(-32768, min(32767, (Double($0) * gain).rounded()))) }
            } else {
                output += kept
            }
        }

        /// `samples48k` at 48 kHz in samples at `rate`, rounded down, without overflow.
        private static func scale(_ samples48k: Int64, to rate: Int) -> Int {
            let whole = samples48k / 48_000
            let part = samples48k % 48_000
            let scaled = whole.multipliedReportingOverflow(by: Int64(rate))
            return scaled.overflow ? Int.max / 2 : Int(scaled.partialValue + part * Int64(rate) / 48_000)
        }
    }
}
