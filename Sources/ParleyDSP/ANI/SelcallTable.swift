import Foundation

/// The 5-tone selective-calling standards Parley reads: each digit is one sine of a fixed
/// length, sent back to back with no gap. A digit equal to the one before it is sent as the
/// repeat tone 'E' instead, so that two tones in a row always differ.
public enum SelcallStandard: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// ZVEI 1: 70 ms tones (German police and fire services, much of Europe).
    case zvei1
    /// CCIR 1: 100 ms tones.
    case ccir
    /// EEA: the CCIR tones at 40 ms.
    case eea

    public var description: String {
        switch self {
        case .zvei1: "ZVEI1"
        case .ccir: "CCIR"
        case .eea: "EEA"
        }
    }

    /// Length of each tone.
    public var toneDuration: Duration {
        switch self {
        case .zvei1: .milliseconds(70)
        case .ccir: .milliseconds(100)
        case .eea: .milliseconds(40)
        }
    }

    /// Frequencies (Hz) of the digits 0–9, by digit.
    public var digitFrequencies: [Double] {
        switch self {
        case .zvei1: [2400, 1060, 1160, 1270, 1400, 1530, 1670, 1830, 2000, 2200]
        case .ccir, .eea: [1981, 1124, 1197, 1275, 1358, 1446, 1540, 1640, 1747, 1860]
        }
    }

    /// Frequency (Hz) of the repeat tone 'E'.
    public var repeatFrequency: Double {
        switch self {
        case .zvei1: 2600
        case .ccir, .eea: 2110
        }
    }

    /// The tones the standard uses: "0"–"9" then "E".
    public static let toneSymbols: [Character] = Array("0123456789E")

    /// Frequencies (Hz) of ``toneSymbols``, in the same order.
    public var toneFrequencies: [Double] { digitFrequencies + [repeatFrequency] }

    /// The tones that send `id` (digits only): a digit equal to the tone before is sent as the
    /// repeat tone 'E'. Nil when `id` holds anything but digits.
    public static func tones(for id: String) -> String? {
        guard id.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var out = ""
        for digit in id {
            // Compared with the tone before, not the digit: "11111" is 1E1E1.
            out.append(digit == out.last ? "E" : digit)
        }
        return out
    }

    /// The id that `tones` send: each 'E' is the digit before it. Nil when the tones start
    /// with 'E' or hold anything but digits and 'E'.
    public static func id(fromTones tones: String) -> String? {
        var out = ""
        for tone in tones {
            if tone == "E" {
                guard let previous = out.last else { return nil }
                out.append(previous)
            } else if tone.isASCII, tone.isNumber {
                out.append(tone)
            } else {
                return nil
            }
        }
        return out
    }
}
