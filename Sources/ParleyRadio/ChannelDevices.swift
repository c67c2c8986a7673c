import Foundation
import Logging
import ParleyAudio
import ParleyConfig
import ParleyDevices

/// A channel's PTT, for callers outside the channel service.
public enum ChannelPTT {
    /// Opens a channel's PTT driver (also used by `parleyd --release-ptt`).
    public static func open(_ ptt: ParleyConfiguration.PTT, logger: Logger) throws(DeviceError) -> any PTTDriver {
        try ChannelDevices.openPTT(ptt, logger: logger)
    }

    public static func describe(_ ptt: ParleyConfiguration.PTT) -> String { ChannelDevices.describe(ptt) }
}

/// A COR-style input (a squelch source, or a sound-card line's ring detector), for callers
/// outside the channel service.
public enum ChannelCOR {
    /// The polled reader for a serial status line or a CM108 input bit; nil for VOX.
    public static func reader(_ source: ParleyConfiguration.SquelchSource) -> (any COReader)? {
        ChannelDevices.corReader(source)
    }
}

/// Turns a channel's configuration into the device objects that serve it.
enum ChannelDevices {
    /// The capture stream settings. A raw file (simulator) is read in real time.
    static func capture(_ channel: ParleyConfiguration.Channel) -> CaptureConfiguration {
        capture(channel.capture.source, rate: channel.capture.sampleRate, pcmName: "cap_", channel)
    }

    /// The dispatcher microphone's capture settings (`dispatcher_audio`).
    static func dispatcherCapture(_ channel: ParleyConfiguration.Channel, _ endpoint: ParleyConfiguration.AudioEndpoint) -> CaptureConfiguration {
        capture(endpoint.source, rate: endpoint.sampleRate, pcmName: "mic_", channel)
    }

    /// A capture source: an ALSA PCM, or a raw file read in real time through an in-memory
    /// `file` PCM named `<prefix><channel id>`.
    private static func capture(
        _ source: ParleyConfiguration.AudioSource, rate: Int, pcmName prefix: String, _ channel: ParleyConfiguration.Channel
    ) -> CaptureConfiguration {
        let rate = SampleRate(rawValue: rate) ?? .hz16000
        switch source {
        case .device(let name):
            return CaptureConfiguration(device: .named(name), sampleRate: rate)
        case .rawFile(let path):
            return CaptureConfiguration(
                device: .rawFileCapture(name: prefix + channel.id.replacingOccurrences(of: "-", with: "_"), infile: path),
                sampleRate: rate, pacing: .realTime)
        }
    }

    /// An output device's settings (`playback`, `transmit_audio`).
    static func playback(_ endpoint: ParleyConfiguration.AudioEndpoint) -> PlaybackConfiguration {
        let rate = SampleRate(rawValue: endpoint.sampleRate) ?? .hz16000
        switch endpoint.source {
        case .device(let name):
            return PlaybackConfiguration(device: .named(name), sampleRate: rate)
        case .rawFile(let path):
            return PlaybackConfiguration(device: .rawFilePlayback(path: path), sampleRate: rate)
        }
    }

    /// The polled reader for a serial status line or a CM108 input bit; nil for VOX.
    static func corReader(_ source: ParleyConfiguration.SquelchSource) -> (any COReader)? {
        switch source {
        case .vox:
            nil
        case .serial(let port, let line, let inverted):
            SerialCORReader(port: port, line: SerialCOR.Line(rawValue: line.rawValue) ?? .dcd, inverted: inverted)
        case .cm108(let hidraw, let bit, let inverted):
            CM108CORReader(hidraw: hidraw, bit: bit, inverted: inverted)
        }
    }

    /// Opens the channel's PTT driver.
    static func openPTT(_ ptt: ParleyConfiguration.PTT, logger: Logger) throws(DeviceError) -> any PTTDriver {
        switch ptt.kind {
        case .serial(let port, let lines):
            let driverLines = lines.map { line in
                SerialPTTLine(line.line == .rts ? .rts : .dtr, inverted: line.inverted)
            }
            return try SerialLinePTT.open(path: port, lines: driverLines, logger: logger)
        case .cm108(let hidraw, let gpio, let inverted):
            return try CM108PTT(path: hidraw, gpio: try CM108GPIO(gpio), inverted: inverted, logger: logger)
        case .rigctld(let host, let port):
            return try RigctldPTT(host: host, port: port, logger: logger)
        }
    }

    /// Where the PTT is, for log lines and faults.
    static func describe(_ ptt: ParleyConfiguration.PTT) -> String {
        switch ptt.kind {
        case .serial(let port, let lines): "serial \(port) \(lines.map(\.description).joined(separator: ","))"
        case .cm108(let hidraw, let gpio, _): "cm108 \(hidraw) GPIO\(gpio)"
        case .rigctld(let host, let port): "rigctld \(host):\(port)"
        }
    }
}
