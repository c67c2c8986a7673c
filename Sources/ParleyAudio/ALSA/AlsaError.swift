import CAlsa

/// Why an ALSA operation failed. Every description names the device, alsa-lib's reason and
/// what to do.
public struct AlsaError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case openFailed
        case configurationInvalid
        case parameterRejected(String)
        case transferFailed
        case xrunStorm
    }

    private let code: Code
    /// The device as logged (`audio.device`).
    public let device: String
    /// alsa-lib's negative error code (`-errno`).
    public let errorCode: Int32

    private init(_ code: Code, device: String, errorCode: Int32) {
        self.code = code
        self.device = device
        self.errorCode = errorCode
    }

    /// `snd_pcm_open` failed: no such device, busy, or no permission.
    public static func openFailed(_ device: String, code: Int32) -> AlsaError {
        AlsaError(.openFailed, device: device, errorCode: code)
    }

    /// In-process ALSA configuration text did not parse, or does not define the PCM named.
    public static func configurationInvalid(_ device: String, code: Int32) -> AlsaError {
        AlsaError(.configurationInvalid, device: device, errorCode: code)
    }

    /// The device refused a hardware or software parameter (`what`: "rate 16000 Hz", …).
    public static func parameterRejected(_ device: String, _ what: String, code: Int32) -> AlsaError {
        AlsaError(.parameterRejected(what), device: device, errorCode: code)
    }

    /// A read or write failed and could not be recovered (device unplugged, I/O error).
    public static func transferFailed(_ device: String, code: Int32) -> AlsaError {
        AlsaError(.transferFailed, device: device, errorCode: code)
    }

    /// Over- or underruns kept recurring immediately after recovery.
    public static func xrunStorm(_ device: String, code: Int32) -> AlsaError {
        AlsaError(.xrunStorm, device: device, errorCode: code)
    }

    /// alsa-lib's text for ``errorCode``.
    public var reason: String { String(cString: snd_strerror(errorCode)) }

    /// True when the device is simply not there (unknown name, unplugged).
    public var isMissingDevice: Bool { errorCode == -ENOENT || errorCode == -ENODEV || errorCode == -ENXIO }

    public var description: String {
        switch code {
        case .openFailed:
            "cannot open ALSA device '\(device)': \(reason) — check the name against `arecord -L`/`aplay -L`, "
                + "that the device is plugged in, and that parleyd's user is in the audio group; Parley retries every second"
        case .configurationInvalid:
            "ALSA configuration for '\(device)' is not usable: \(reason) — check the pcm definition's syntax and that it defines the PCM named"
        case .parameterRejected(let what):
            "ALSA device '\(device)' refused \(what): \(reason) — choose a rate/format the device supports "
                + "(`arecord -D DEVICE --dump-hw-params`), or use a plughw: device so ALSA converts"
        case .transferFailed:
            "ALSA device '\(device)' failed during transfer: \(reason) — the device was probably unplugged or reset; "
                + "Parley marks the channel down and retries every second"
        case .xrunStorm:
            "ALSA device '\(device)' kept over/underrunning after recovery (\(reason)) — the system is too loaded "
                + "or the period is too small; raise the buffer, or check CPU load"
        }
    }
}
