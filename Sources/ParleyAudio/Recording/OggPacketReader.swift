import COpus

/// The packets of an Ogg file's first logical stream, read from its complete, checksum-valid
/// pages (``RecordingRepair/pages(in:_:)``): a page torn by a crash, and anything after it,
/// is left out, so a cut-short recording reads up to its last complete page.
enum OggPacketReader {
    struct Packet: Sendable, Hashable {
        var bytes: [UInt8]
        /// The granule position of the page on which the packet ends (-1: that page has none).
        var pageGranule: Int64
    }

    struct Stream: Sendable, Hashable {
        var packets: [Packet]
        /// Bytes up to the end of the last complete page.
        var validBytes: Int
        /// The last page read is marked end-of-stream.
        var endOfStream: Bool
    }

    static func read(_ bytes: [UInt8]) -> Stream {
        // (An empty file: libogg hands out no buffer for zero bytes, so pages(in:) needs some.)
        guard !bytes.isEmpty else { return Stream(packets: [], validBytes: 0, endOfStream: false) }
        var stream = ogg_stream_state()
        var streamStarted = false
        defer { if streamStarted { ogg_stream_clear(&stream) } }
        var packets: [Packet] = []
        var endOfStream = false
        let validBytes = RecordingRepair.pages(in: bytes) { _, page in
            if !streamStarted {
                ogg_stream_init(&stream, ogg_page_serialno(&page))
                streamStarted = true
            }
            guard ogg_page_serialno(&page) == stream.serialno else { return }
            ogg_stream_pagein(&stream, &page)
            let granule = ogg_page_granulepos(&page)
            endOfStream = ogg_page_eos(&page) != 0
            var packet = ogg_packet()
            while true {
                let result = ogg_stream_packetout(&stream, &packet)
                if result == 0 { break }
                // -1: a page is missing before this one (libogg resynchronises; go on).
                guard result == 1 else { continue }
                packets.append(Packet(bytes: Array(UnsafeBufferPointer(start: packet.packet, count: packet.bytes)), pageGranule: granule))
            }
        }
        return Stream(packets: packets, validBytes: validBytes, endOfStream: endOfStream)
    }
}
