import ParleyConfig
import ParleyDSP

/// A channel's ANI decoder (`ani:`): DTMF digits or 5-tone selcall ids from the received
/// audio, as the receiver needs them for talker ids.
struct ChannelANI: Sendable {
    enum Heard: Sendable, Hashable {
        case dtmf(Character)
        case selcall(String)
    }

    private enum Decoder: Sendable {
        case dtmf(DTMFDecoder)
        case selcall(SelcallDecoder)
    }

    private var decoder: Decoder

    init(_ type: ParleyConfiguration.ANI, sampleRate: Double) {
        switch type {
        case .dtmf:
            decoder = .dtmf(DTMFDecoder(configuration: .init(sampleRate: sampleRate)))
        case .ccir, .zvei1, .eea:
            let standard: SelcallStandard = type == .ccir ? .ccir : type == .zvei1 ? .zvei1 : .eea
            decoder = .selcall(SelcallDecoder(configuration: .init(sampleRate: sampleRate, standard: standard)))
        }
    }

    mutating func process(_ samples: [Int16]) -> [Heard] {
        switch decoder {
        case .dtmf(var dtmf):
            let found = dtmf.process(samples)
            decoder = .dtmf(dtmf)
            return found.map { .dtmf($0.digit) }
        case .selcall(var selcall):
            let found = selcall.process(samples)
            decoder = .selcall(selcall)
            return found.map { .selcall($0.id) }
        }
    }
}
