import ParleyCore

extension ParleyConfiguration {
    /// One `channels:` entry: a radio channel's audio, squelch, recording and transmitter.
    /// Keys are read in ChannelSection.swift; documented in docs/configuration.md.
    public struct Channel: Sendable, Equatable {
        /// `id`: 1–32 letters, digits, `-` or `_`; used in commands (`parleyctl key north`),
        /// event sources (`channel:north`) and recording file names. Required, unique.
        public var id: String
        /// `name`: a label for people. Default: the id.
        public var name: String
        public var capture: Capture
        /// `playback:` — where recalled transmissions are played. Optional.
        public var playback: AudioEndpoint?
        /// `transmit_audio:` — the device the transmitter's audio goes to while keyed (alert
        /// tones, channel marker, dispatcher audio). Optional.
        public var transmitAudio: AudioEndpoint?
        /// `dispatcher_audio:` — a capture device (the dispatcher's microphone) whose audio is
        /// transmitted while a dispatcher or automation keying holds the channel. Optional.
        public var dispatcherAudio: AudioEndpoint?
        public var squelch: Squelch
        /// `recording.pre_roll_ms`: audio kept from before the squelch opened (0…2000). Default 300.
        public var preRoll: Duration
        /// `ptt:` — the transmitter. Absent: a receive-only channel (keying is refused).
        public var ptt: PTT?
        /// `keying:` — floor control rules and timers.
        public var keying: FloorControlConfiguration
        /// `keying.emergency_marker_seconds`: while an emergency keying holds the channel, a
        /// marker tone is sent this often (0 disables; 1…600). Default 10.
        public var emergencyMarkerInterval: Duration?
        /// `tetra:` — a TETRA terminal on PEI that keys the channel (a group call), opens its
        /// squelch with the talker's ISSI, and reports unit statuses, text and emergencies.
        /// With it, `ptt` is not given and the squelch needs no source of its own.
        public var tetra: TETRA?
        /// `ani`: the talker identification sent on the channel's audio — `dtmf`, or 5-tone
        /// selcall `ccir`, `zvei1` or `eea`. Decoded ids become transmissions' talker ids.
        /// Default none.
        public var ani: ANI?

        public init(
            id: String, name: String? = nil, capture: Capture, playback: AudioEndpoint? = nil,
            transmitAudio: AudioEndpoint? = nil, dispatcherAudio: AudioEndpoint? = nil, squelch: Squelch = Squelch(),
            preRoll: Duration = .milliseconds(300),
            ptt: PTT? = nil, keying: FloorControlConfiguration = FloorControlConfiguration(),
            emergencyMarkerInterval: Duration? = .seconds(10), tetra: TETRA? = nil, ani: ANI? = nil
        ) {
            self.id = id
            self.name = name ?? id
            self.capture = capture
            self.playback = playback
            self.transmitAudio = transmitAudio
            self.dispatcherAudio = dispatcherAudio
            self.squelch = squelch
            self.preRoll = preRoll
            self.ptt = ptt
            self.keying = keying
            self.emergencyMarkerInterval = emergencyMarkerInterval
            self.tetra = tetra
            self.ani = ani
        }

        /// Whether the channel can transmit: a PTT, or a TETRA terminal.
        public var hasTransmitter: Bool { ptt != nil || tetra != nil }
    }

    /// `ani` — how a channel's talkers identify themselves on its audio.
    public enum ANI: String, Sendable, Equatable, CaseIterable {
        case dtmf, ccir, zvei1, eea
    }

    /// `tetra:` — a channel's TETRA terminal (ETSI EN 300 392-5 PEI on a serial port).
    public struct TETRA: Sendable, Equatable {
        /// `device`: the terminal's PEI serial port. A relative path is inside the state
        /// directory (the simulator's pty). Required.
        public var device: String
        /// `baud`: 1200…115200. Default 38400.
        public var baudRate: Int
        /// `gssi`: the talkgroup the channel works (its group SSI, 1…16777215). Required.
        public var gssi: Int
        /// `init`: the set-up commands, in order. Default: `ATZ`, `ATE0`, `AT+CMEE=1`,
        /// `AT+CTOM=0`, the SDS service profiles, `AT+CTGS=1,<gssi>`.
        public var initialisation: [String]?
        /// `emergency_statuses`: status values that raise an emergency. Default `[0]`.
        public var emergencyStatuses: [Int]
        /// `statuses`: what this force's status values mean (`[{ value: 32770, meaning: at scene }]`),
        /// shown by `parleyctl units` and stored with each change. Default none.
        public var statuses: [Int: String]
        /// `response_timeout_seconds`: a command unanswered this long re-initialises the
        /// terminal (1…120). Default 5.
        public var responseTimeout: Duration

        public init(
            device: String, baudRate: Int = 38400, gssi: Int, initialisation: [String]? = nil, emergencyStatuses: [Int] = [0],
            statuses: [Int: String] = [:], responseTimeout: Duration = .seconds(5)
        ) {
            self.device = device
            self.baudRate = baudRate
            self.gssi = gssi
            self.initialisation = initialisation
            self.emergencyStatuses = emergencyStatuses
            self.statuses = statuses
            self.responseTimeout = responseTimeout
        }
    }

    /// An ALSA PCM, or for simulators and tests a raw S16LE mono file through alsa-lib's
    /// `file` plugin.
    public enum AudioSource: Sendable, Equatable {
        /// `device`: an ALSA PCM name (`plughw:CARD=Device,DEV=0`, `default`, …).
        case device(String)
        /// `raw_file`: read (capture) or written (playback) as raw S16LE mono samples.
        /// A capture file is read in real time and may grow while it is read (`parley-sim`).
        case rawFile(String)
    }

    /// `capture:` — the receiver audio.
    public struct Capture: Sendable, Equatable {
        public var source: AudioSource
        /// `rate`: 8000, 16000 or 48000 Hz. Default 16000.
        public var sampleRate: Int

        public init(source: AudioSource, sampleRate: Int = 16000) {
            self.source = source
            self.sampleRate = sampleRate
        }
    }

    /// `playback:` / `transmit_audio:` — an output device.
    public struct AudioEndpoint: Sendable, Equatable {
        public var source: AudioSource
        /// `rate`: 8000, 16000 or 48000 Hz. Default: the capture rate.
        public var sampleRate: Int

        public init(source: AudioSource, sampleRate: Int) {
            self.source = source
            self.sampleRate = sampleRate
        }
    }

    /// `squelch:` — what counts as the channel being busy.
    public struct Squelch: Sendable, Equatable {
        /// `sources`: the channel is active while any of them is. Default: VOX at its defaults.
        public var sources: [SquelchSource]
        /// `debounce_ms`, `hang_ms`, `rx_timeout_seconds` (0 disables the stuck-open guard).
        public var timing: SquelchConfiguration

        public init(sources: [SquelchSource] = [.vox(Vox())], timing: SquelchConfiguration = SquelchConfiguration()) {
            self.sources = sources
            self.timing = timing
        }
    }

    /// One `squelch.sources` entry.
    public enum SquelchSource: Sendable, Equatable {
        /// `type: vox` — audio level.
        case vox(Vox)
        /// `type: serial` — a modem status line (COR): `port`, `line` (cts, dsr, dcd), `invert`.
        case serial(port: String, line: StatusLine, inverted: Bool)
        /// `type: cm108` — a CM108/CM119 HID input bit: `hidraw`, `bit` (0–7, default 1 =
        /// volume down), `invert`.
        case cm108(hidraw: String, bit: Int, inverted: Bool)
    }

    /// `type: vox` settings.
    public struct Vox: Sendable, Equatable {
        /// `threshold_dbfs` (−90…0). Default −40.
        public var thresholdDBFS: Double
        /// `attack_ms` (0…2000). Default 50.
        public var attack: Duration
        /// `hang_ms` (0…10000). Default 800.
        public var hang: Duration

        public init(thresholdDBFS: Double = -40, attack: Duration = .milliseconds(50), hang: Duration = .milliseconds(800)) {
            self.thresholdDBFS = thresholdDBFS
            self.attack = attack
            self.hang = hang
        }
    }

    /// Serial modem status lines a COR can be wired to.
    public enum StatusLine: String, Sendable, Equatable, CaseIterable {
        case cts, dsr, dcd
    }

    /// `ptt:` — how the transmitter is keyed.
    public struct PTT: Sendable, Equatable {
        public var kind: Kind

        public init(kind: Kind) {
            self.kind = kind
        }

        public enum Kind: Sendable, Equatable {
            /// `type: serial` — `port`, `lines` (`rts`, `dtr`, `!rts` inverts). Default `[rts]`.
            case serial(port: String, lines: [ControlLine])
            /// `type: cm108` — `hidraw`, `gpio` (1–8, default 3), `invert`.
            case cm108(hidraw: String, gpio: Int, inverted: Bool)
            /// `type: rigctld` — `host` (default 127.0.0.1), `port` (default 4532).
            case rigctld(host: String, port: Int)
        }

        /// The type name as written in the file.
        public var typeName: String {
            switch kind {
            case .serial: "serial"
            case .cm108: "cm108"
            case .rigctld: "rigctld"
            }
        }
    }

    /// A serial control line used for PTT, possibly inverted (`!rts`).
    public struct ControlLine: Sendable, Equatable, CustomStringConvertible {
        public enum Line: String, Sendable, Equatable, CaseIterable {
            case rts, dtr
        }

        public var line: Line
        public var inverted: Bool

        public init(_ line: Line, inverted: Bool = false) {
            self.line = line
            self.inverted = inverted
        }

        public var description: String { (inverted ? "!" : "") + line.rawValue }
    }
}
