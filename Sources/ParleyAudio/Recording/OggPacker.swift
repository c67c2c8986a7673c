import COpus

/// One logical Ogg bitstream (libogg's `ogg_stream_state`): packets in, page bytes out.
final class OggPacker {
    private let stream: UnsafeMutablePointer<ogg_stream_state>
    private var packetNumber: Int64 = 0

    init(serial: Int32) {
        stream = .allocate(capacity: 1)
        ogg_stream_init(stream, serial)
    }

    deinit {
        ogg_stream_clear(stream)
        stream.deallocate()
    }

    /// Adds one packet. `granule` is the stream position (48 kHz samples, RFC 7845) at the
    /// packet's end, or -1 for the header packets.
    func add(_ bytes: UnsafeMutableBufferPointer<UInt8>, granule: Int64, first: Bool = false, last: Bool = false) {
        var packet = ogg_packet()
        packet.packet = bytes.baseAddress
        packet.bytes = bytes.count
        packet.b_o_s = first ? 1 : 0
        packet.e_o_s = last ? 1 : 0
        packet.granulepos = granule
        packet.packetno = packetNumber
        packetNumber += 1
        ogg_stream_packetin(stream, &packet)
    }

    /// Appends to `out` the pages libogg considers full (`flush: false`), or every pending
    /// packet as pages (`flush: true`, used to bound what a crash can lose).
    func takePages(flush: Bool, into out: inout [UInt8]) {
        var page = ogg_page()
        while (flush ? ogg_stream_flush(stream, &page) : ogg_stream_pageout(stream, &page)) != 0 {
            out.append(contentsOf: UnsafeBufferPointer(start: page.header, count: page.header_len))
            out.append(contentsOf: UnsafeBufferPointer(start: page.body, count: page.body_len))
        }
    }
}
