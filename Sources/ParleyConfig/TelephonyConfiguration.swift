import ParleyCore

extension ParleyConfiguration {
    /// `telephony:` — telephone lines (AT voice modems, GSM SMS modems) and how their calls are
    /// handled. Keys are read in TelephonySection.swift; documented in docs/configuration.md.
    public struct Telephony: Sendable, Equatable {
        /// `agency`: this control room's organisation, recorded as the "from" agency of every
        /// handoff. Default `Police`.
        public var agency: String
        /// `sms_part_timeout_seconds`: how long the parts of a concatenated SMS are waited for
        /// before what arrived is stored, flagged incomplete (10…3600). Default 120.
        public var smsPartTimeout: Duration
        /// `lines:` — the lines, in the order `parleyctl lines` lists them. Default none.
        public var lines: [Line]

        public init(agency: String = "Police", smsPartTimeout: Duration = .seconds(120), lines: [Line] = []) {
            self.agency = agency
            self.smsPartTimeout = smsPartTimeout
            self.lines = lines
        }
    }

    /// One `telephony.lines` entry.
    public struct Line: Sendable, Equatable {
        /// `id`: 1–32 letters, digits, `-` or `_`; used in event sources (`line:l999`) and
        /// recording names. Required, unique across lines.
        public var id: String
        /// `name`: a label for people. Default: the id.
        public var name: String
        /// `service`: `999`, `101`, `text-relay`, `direct-textphone`, `sms` or `admin`. Required.
        public var service: LineService
        /// `priority`: a call's place in the queue (`emergency`, `priority`, `routine`,
        /// `admin`). Default: by service (999 emergency, text-relay priority, admin admin,
        /// others routine).
        public var priority: Priority
        public var modem: Modem
        /// `text.table`: the Baudot figures table for TTY calls, `us` (default) or `ita2`.
        public var ttyTableITA2: Bool

        public init(
            id: String, name: String? = nil, service: LineService, priority: Priority? = nil, modem: Modem,
            ttyTableITA2: Bool = false
        ) {
            self.id = id
            self.name = name ?? id
            self.service = service
            self.priority = priority ?? service.defaultPriority
            self.modem = modem
            self.ttyTableITA2 = ttyTableITA2
        }
    }

    /// `modem:` — the device a line runs on.
    public struct Modem: Sendable, Equatable {
        public enum Kind: String, Sendable, Equatable, CaseIterable {
            /// An AT voice modem (ITU-T V.253) on an analogue line.
            case voice
            /// A GSM modem for SMS (3GPP TS 27.005, PDU mode).
            case gsm
            /// A line interface on a sound card: line audio through ALSA, ring detect on an
            /// input line, the hook on an output line; caller ID is decoded from the audio.
            case soundcard
        }

        /// `type`: `voice`, `gsm` or `soundcard`. Required.
        public var kind: Kind
        /// `device`: the serial port (`/dev/ttyACM0`, a `/dev/serial/by-id/…` link). A relative
        /// path is inside the state directory (the simulator's ptys). Required for voice and
        /// gsm; for a sound-card line, its capture device or file (what names the line's device
        /// in logs).
        public var device: String
        /// The sound-card line's devices (`type: soundcard`); nil for modems.
        public var soundCard: SoundCard?
        /// `baud`: 1200…115200. Default 115200.
        public var baudRate: Int
        /// `country_code` (voice): ITU-T T.35 country code in hex for `AT+GCI`, e.g. `B4` for
        /// the UK. Default: not sent (the modem's own setting).
        public var countryCode: String?
        /// `response_timeout_seconds`: how long a command may go unanswered before the modem
        /// is reset (1…120). Default 5 for voice, 10 for GSM.
        public var responseTimeout: Duration

        public init(
            kind: Kind, device: String, baudRate: Int = 115_200, countryCode: String? = nil, responseTimeout: Duration? = nil,
            soundCard: SoundCard? = nil
        ) {
            self.kind = kind
            self.device = device
            self.soundCard = soundCard
            self.baudRate = baudRate
            self.countryCode = countryCode
            self.responseTimeout = responseTimeout ?? (kind == .voice ? .seconds(5) : .seconds(10))
        }
    }
}

extension ParleyConfiguration {
    /// A sound-card line's devices (`modem:` with `type: soundcard`).
    public struct SoundCard: Sendable, Equatable {
        /// `capture:` — the line's received audio (`device` or `raw_file`, `rate`; as a channel's).
        public var capture: Capture
        /// `playback:` — audio to the line (TTY/V.21 replies). Default none: text replies are
        /// refused on this line.
        public var playback: AudioEndpoint?
        /// `ring:` — ring detect: `{ type: serial, port, line: dcd|cts|dsr }` or `{ type: cm108,
        /// hidraw, bit }` (`invert` on either), as a channel's squelch sources. Required.
        public var ring: SquelchSource
        /// `hook:` — the off-hook relay: `{ type: serial, port, lines: [rts] }`, `{ type: cm108,
        /// hidraw, gpio }` or `{ type: rigctld }`, as a channel's PTT. Keyed = off hook. Required.
        public var hook: PTT
        /// `ring_timeout_seconds`: a ringing call whose ring has stopped this long is abandoned
        /// (2…60). Default 8.
        public var ringTimeout: Duration

        public init(capture: Capture, playback: AudioEndpoint? = nil, ring: SquelchSource, hook: PTT, ringTimeout: Duration = .seconds(8)) {
            self.capture = capture
            self.playback = playback
            self.ring = ring
            self.hook = hook
            self.ringTimeout = ringTimeout
        }
    }
}

extension ParleyConfiguration.Telephony {
    /// Relative modem devices and sound-card files are inside the state directory (the
    /// simulators' ptys and files).
    func resolvingPaths(base: String) -> Self {
        var resolved = self
        resolved.lines = lines.map { line in
            var line = line
            if var card = line.modem.soundCard {
                card.capture.source = card.capture.source.resolving(base: base)
                if case .rawFile(let path) = card.capture.source { line.modem.device = path }
                if let playback = card.playback { card.playback?.source = playback.source.resolving(base: base) }
                card.ring = card.ring.resolving(base: base)
                card.hook = card.hook.resolving(base: base)
                line.modem.soundCard = card
            } else {
                line.modem.device = ParleyConfiguration.absolute(line.modem.device, base: base)
            }
            return line
        }
        return resolved
    }
}
