/// One fuzzing step for the caller-ID code: arbitrary bytes through the message parser, then
/// — as the first byte chooses, one per execution so that executions stay short — through the
/// decoder as audio (16-bit little-endian samples fed in blocks of sizes the bytes choose), as
/// 8-bit audio, or sent as a message by the encoder and read back. Must never trap; a fuzzer's
/// entry point and the tests call it.
public enum CallerIDFuzz {
    static let sampleRates: [Double] = [8000, 11025, 16000, 22050, 44100, 48000, 6000]

    /// How many audio paths the first byte chooses from (its value modulo this).
    public static let pathCount = 3

    public static func fuzzOne(_ bytes: [UInt8]) {
        // The message layer: anything that parses must come back out byte for byte.
        if let frame = try? CallerIDFrame.parse(bytes) {
            precondition(frame.bytes == bytes, "a parsed caller-ID frame must re-encode to its input")
            if let callerID = frame.callerID {
                _ = CallerIDFrame(callerID: callerID, format: frame.format ?? .mdmf).callerID
            }
        }

        switch Int(bytes.first ?? 0) % pathCount {
        case 0: decodeAsAudio(bytes)
        case 1: decodeAsBytes(bytes)
        default: roundTrip(bytes)
        }
    }

    /// The decoder with the bytes as 16-bit audio at a rate the first byte chooses.
    static func decodeAsAudio(_ bytes: [UInt8]) {
        let rate = sampleRates[Int(bytes.first ?? 0) % sampleRates.count]
        var decoder = CallerIDDecoder(configuration: .init(sampleRate: rate))
        let samples: [Int16] = stride(from: 0, to: bytes.count - 1, by: 2).map {
            Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)
        }
        var offset = 0
        var block = 1
        while offset < samples.count {
            let end = min(samples.count, offset + block)
            _ = decoder.process(samples[offset..<end])
            offset = end
            block = Int(bytes[offset % bytes.count]) + 1
        }
        _ = decoder.finish()
    }

    /// The decoder with the bytes as 8-bit audio, in one block.
    static func decodeAsBytes(_ bytes: [UInt8]) {
        var byteDecoder = CallerIDDecoder(configuration: .init(sampleRate: 8000, standards: [.bell202]))
        _ = byteDecoder.process(bytes.map { Float(Int8(bitPattern: $0)) / 128 })
        _ = byteDecoder.finish()
    }

    /// The bytes sent as a message (length byte and checksum as they come) and read back.
    static func roundTrip(_ bytes: [UInt8]) {
        let standard: CallerIDDecoder.Standard = bytes.count % 2 == 0 ? .v23 : .bell202
        let encoder = CallerIDEncoder(configuration: .init(
            sampleRate: 8000, standard: standard, alertTone: bytes.count % 3 == 0, seizureBits: 96, markBits: 60
        ))
        var messageDecoder = CallerIDDecoder(configuration: .init(sampleRate: 8000))
        let audio = encoder.modulate(message: Array(bytes.prefix(64)))
        _ = messageDecoder.process(audio)
        _ = messageDecoder.finish()
    }
}
