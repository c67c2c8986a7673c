import COpus
import Crypto
import Foundation
import ParleyDSP
import SystemPackage

/// What a recording file holds, read back page by page: used at start-up to complete the
/// rows of transmissions a crash interrupted, and by tests.
public struct RecordingInspection: Sendable, Hashable {
    public var path: FilePath
    /// The last page is marked end-of-stream and nothing follows it.
    public var isComplete: Bool
    /// Playable length: the last complete page's position minus the pre-skip (what opusinfo
    /// and opusdec report).
    public var duration: Duration
    /// The rate the audio was recorded at (OpusHead's input rate).
    public var sampleRate: Int
    /// ``duration`` in samples at ``sampleRate``.
    public var sampleCount: Int
    public var preSkip: Int
    public var packetCount: Int
    /// Level of the decoded audio (pre-skip excluded).
    public var level: AudioLevel
    /// Bytes up to the end of the last complete page.
    public var validBytes: Int
    /// Bytes after it (a page torn by a crash).
    public var trailingBytes: Int
    /// Lower-case hex SHA-256 of the whole file as it is now.
    public var sha256: String
    /// The OpusTags comments, keys upper-cased (`PARLEY_CHANNEL`, `PARLEY_OPENED`, …).
    public var comments: [String: String]
}

/// Reads and completes Ogg Opus recordings that a crash left unfinished.
public enum RecordingRepair {
    /// Reads `path` without changing it.
    public static func inspect(_ path: FilePath) throws(RecordingError) -> RecordingInspection {
        try inspect(bytes: readAll(path), path: path)
    }

    /// Makes an interrupted recording a well-formed file: cuts a torn last page, marks the
    /// last complete page end-of-stream, and fsyncs. A complete file is left as it is.
    /// Returns the inspection of the result (its ``RecordingInspection/sha256`` is the new
    /// digest for the row).
    @discardableResult
    public static func seal(_ path: FilePath) throws(RecordingError) -> RecordingInspection {
        var bytes = try readAll(path)
        let before = try inspect(bytes: bytes, path: path)
        guard !before.isComplete else { return before }
        bytes.removeSubrange(before.validBytes...)
        if let last = lastPage(in: bytes) {
            bytes[last.offset + 5] |= 0x04  // header_type: end of stream
            bytes.withUnsafeMutableBufferPointer { buffer in
                var page = ogg_page()
                page.header = buffer.baseAddress! + last.offset
                page.header_len = last.headerLength
                page.body = buffer.baseAddress! + last.offset + last.headerLength
                page.body_len = last.bodyLength
                ogg_page_checksum_set(&page)
            }
        }
        do {
            let descriptor = try FileDescriptor.open(path, .writeOnly, options: [.truncate, .closeOnExec])
            try descriptor.closeAfter {
                _ = try descriptor.writeAll(bytes)
                try descriptor.synchronize()
            }
        } catch {
            throw .writeFailed(path, Errno(error))
        }
        return try inspect(bytes: bytes, path: path)
    }

    // MARK: Reading

    static func readAll(_ path: FilePath) throws(RecordingError) -> [UInt8] {
        do {
            let descriptor = try FileDescriptor.open(path, .readOnly, options: [.closeOnExec])
            return try descriptor.closeAfter {
                var bytes: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let count = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0) }
                    if count == 0 { break }
                    bytes += chunk[..<count]
                }
                return bytes
            }
        } catch {
            throw .cannotRead(path, Errno(error))
        }
    }

    struct PageLocation {
        var offset: Int
        var headerLength: Int
        var bodyLength: Int
    }

    /// Walks the complete, checksum-valid pages from the start of `bytes`.
    static func pages(in bytes: [UInt8], _ visit: (PageLocation, inout ogg_page) -> Void) -> Int {
        // libogg gives no buffer for zero bytes; an empty file (a crash before the headers
        // were written) simply has no pages.
        guard !bytes.isEmpty else { return 0 }
        var sync = ogg_sync_state()
        ogg_sync_init(&sync)
        defer { ogg_sync_clear(&sync) }
        let buffer = ogg_sync_buffer(&sync, bytes.count)!
        bytes.withUnsafeBufferPointer { source in
            buffer.withMemoryRebound(to: UInt8.self, capacity: bytes.count) { $0.update(from: source.baseAddress!, count: bytes.count) }
        }
        ogg_sync_wrote(&sync, bytes.count)
        var offset = 0
        var page = ogg_page()
        while true {
            let result = ogg_sync_pageseek(&sync, &page)
            // > 0: a whole page of that many bytes; 0: the rest is an incomplete page;
            // < 0: bytes skipped that are not a valid page (a torn or corrupt page) — stop there.
            guard result > 0 else { break }
            visit(PageLocation(offset: offset, headerLength: page.header_len, bodyLength: page.body_len), &page)
            offset += Int(result)
        }
        return offset
    }

    private static func lastPage(in bytes: [UInt8]) -> PageLocation? {
        var last: PageLocation?
        _ = pages(in: bytes) { location, _ in last = location }
        return last
    }

    private static func inspect(bytes: [UInt8], path: FilePath) throws(RecordingError) -> RecordingInspection {
        var stream = ogg_stream_state()
        var streamStarted = false
        defer { if streamStarted { ogg_stream_clear(&stream) } }
        var packets: [[UInt8]] = []
        var lastGranule: Int64 = -1
        var endOfStream = false
        let validBytes = pages(in: bytes) { _, page in
            if !streamStarted {
                ogg_stream_init(&stream, ogg_page_serialno(&page))
                streamStarted = true
            }
            guard ogg_page_serialno(&page) == stream.serialno else { return }
            ogg_stream_pagein(&stream, &page)
            let granule = ogg_page_granulepos(&page)
            if granule >= 0 { lastGranule = granule }
            endOfStream = ogg_page_eos(&page) != 0
            var packet = ogg_packet()
            while ogg_stream_packetout(&stream, &packet) == 1 {
                packets.append(Array(UnsafeBufferPointer(start: packet.packet, count: packet.bytes)))
            }
        }
        guard let first = packets.first, let head = OpusHeaders.parseIdentification(first) else {
            throw .notOggOpus(path, validBytes == 0 ? "no complete Ogg page" : "no OpusHead header")
        }
        let comments = packets.count > 1 ? OpusHeaders.parseComments(packets[1]) ?? [:] : [:]
        let rate = SampleRate(rawValue: head.inputSampleRate)?.rawValue ?? 48_000
        let audio = packets.dropFirst(2)
        let level = decodedLevel(audio, rate: rate, channels: head.channels, preSkip: head.preSkip)
        let playable48k = max(0, Int(lastGranule) - head.preSkip)
        let sampleCount = playable48k * rate / 48_000
        return RecordingInspection(
            path: path, isComplete: endOfStream && validBytes == bytes.count,
            duration: .nanoseconds(Int64(playable48k) * 1_000_000_000 / 48_000), sampleRate: rate, sampleCount: sampleCount,
            preSkip: head.preSkip, packetCount: audio.count, level: level, validBytes: validBytes,
            trailingBytes: bytes.count - validBytes,
            sha256: SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined(), comments: comments)
    }

    /// Decodes the audio packets with libopus to measure the recording's level.
    private static func decodedLevel(_ packets: ArraySlice<[UInt8]>, rate: Int, channels: Int, preSkip: Int) -> AudioLevel {
        let channelCount = max(1, min(channels, 2))
        var error: Int32 = OPUS_OK
        guard let decoder = opus_decoder_create(Int32(rate), Int32(channelCount), &error), error == OPUS_OK else {
            return AudioLevel(peakDBFS: AudioLevel.floor, rmsDBFS: AudioLevel.floor)
        }
        defer { opus_decoder_destroy(decoder) }
        var meter = AudioLevel.Meter()
        var skip = preSkip * rate / 48_000 * channelCount
        let capacity = rate * 120 / 1000 * channelCount  // the longest Opus packet: 120 ms
        var pcm = [Int16](repeating: 0, count: capacity)
        for packet in packets {
            let decoded = packet.withUnsafeBufferPointer { input in
                pcm.withUnsafeMutableBufferPointer { output in
                    opus_decode(decoder, input.baseAddress, Int32(input.count), output.baseAddress!, Int32(capacity / channelCount), 0)
                }
            }
            guard decoded > 0 else { continue }
            let total = Int(decoded) * channelCount
            let dropped = min(skip, total)
            skip -= dropped
            pcm.withUnsafeBufferPointer { meter.add(UnsafeBufferPointer(rebasing: $0[dropped..<total])) }
        }
        return meter.level
    }
}
