/// The two Ogg Opus header packets (RFC 7845 §5), and reading them back.
enum OpusHeaders {
    /// "OpusHead": version 1, mono, pre-skip (48 kHz samples), the input rate, gain 0,
    /// channel mapping family 0.
    static func identification(preSkip: Int, inputSampleRate: Int) -> [UInt8] {
        var bytes = Array("OpusHead".utf8)
        bytes.append(1)
        bytes.append(1)
        append(UInt16(preSkip), to: &bytes)
        append(UInt32(inputSampleRate), to: &bytes)
        append(UInt16(0), to: &bytes)
        bytes.append(0)
        return bytes
    }

    /// "OpusTags": vendor string and `KEY=value` comments.
    static func comments(vendor: String, _ comments: [String]) -> [UInt8] {
        var bytes = Array("OpusTags".utf8)
        append(UInt32(vendor.utf8.count), to: &bytes)
        bytes += vendor.utf8
        append(UInt32(comments.count), to: &bytes)
        for comment in comments {
            append(UInt32(comment.utf8.count), to: &bytes)
            bytes += comment.utf8
        }
        return bytes
    }

    struct Identification: Sendable, Hashable {
        var channels: Int
        var preSkip: Int
        var inputSampleRate: Int
    }

    static func parseIdentification(_ packet: [UInt8]) -> Identification? {
        guard packet.count >= 19, packet.starts(with: Array("OpusHead".utf8)), packet[8] & 0xF0 == 0 else { return nil }
        return Identification(
            channels: Int(packet[9]), preSkip: Int(readUInt16(packet, at: 10)), inputSampleRate: Int(readUInt32(packet, at: 12)))
    }

    /// The comments as a dictionary (keys upper-cased, as Vorbis comments are case-insensitive).
    static func parseComments(_ packet: [UInt8]) -> [String: String]? {
        guard packet.count >= 16, packet.starts(with: Array("OpusTags".utf8)) else { return nil }
        var offset = 8
        func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, offset + count <= packet.count else { return nil }
            defer { offset += count }
            return packet[offset..<offset + count]
        }
        guard take(4) != nil else { return nil }
        let vendorLength = Int(readUInt32(packet, at: 8))
        guard take(vendorLength) != nil, offset + 4 <= packet.count else { return nil }
        let count = Int(readUInt32(packet, at: offset))
        offset += 4
        var result: [String: String] = [:]
        for _ in 0..<min(count, 1000) {
            guard offset + 4 <= packet.count else { break }
            let length = Int(readUInt32(packet, at: offset))
            offset += 4
            guard let text = take(length) else { break }
            let comment = String(decoding: text, as: UTF8.self)
            if let equals = comment.firstIndex(of: "=") {
                result[comment[..<equals].uppercased()] = String(comment[comment.index(after: equals)...])
            }
        }
        return result
    }

    private static func append(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    private static func readUInt16(_ bytes: [UInt8], at offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << UInt32(8 * $1) }
    }
}
