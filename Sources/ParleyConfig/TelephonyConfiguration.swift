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
        }

        /// `type`: `voice` or `gsm`. Required.
        public var kind: Kind
        /// `device`: the serial port (`/dev/ttyACM0`, a `/dev/serial/by-id/…` link). A relative
        /// path is inside the state directory (the simulator's ptys). Required.
        public var device: String
        /// `baud`: 1200…115200. Default 115200.
        public var baudRate: Int
        /// `country_code` (voice): ITU-T T.35 country code in hex for `AT+GCI`, e.g. `B4` for
        /// the UK. Default: not sent (the modem's own setting).
        public var countryCode: String?
        /// `response_timeout_seconds`: how long a command may go unanswered before the modem
        /// is reset (1…120). Default 5 for voice, 10 for GSM.
        public var responseTimeout: Duration

        public init(kind: Kind, device: String, baudRate: Int = 115_200, countryCode: String? = nil, responseTimeout: Duration? = nil) {
            self.kind = kind
            self.device = device
            self.baudRate = baudRate
            self.countryCode = countryCode
            self.responseTimeout = responseTimeout ?? (kind == .voice ? .seconds(5) : .seconds(10))
        }
    }
}

extension ParleyConfiguration.Telephony {
    /// Relative modem devices are inside the state directory (the simulator's ptys).
    func resolvingPaths(base: String) -> Self {
        var resolved = self
        resolved.lines = lines.map { line in
            var line = line
            line.modem.device = ParleyConfiguration.absolute(line.modem.device, base: base)
            return line
        }
        return resolved
    }
}
