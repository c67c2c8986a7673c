import ParleyCore

// How the `telephony:` section is read. Keep in step with TelephonyConfiguration.swift,
// config/parley.example.yaml and docs/configuration.md.

extension ParleyConfiguration {
    static let supportedBaudRates = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115_200]

    static func readTelephony(_ value: ConfigValue) throws -> Telephony {
        let mapping = try value.mapping()
        let agency = try mapping.optional("agency", default: "Police") { try $0.string(example: "Example Constabulary") }
        let timeout = try mapping.optional("sms_part_timeout_seconds", default: Duration.seconds(120)) { try $0.seconds(in: 10...3600) }
        let lines = try mapping.optional("lines", default: [Line]()) { value -> [Line] in
            var lines: [Line] = []
            for item in try value.list(example: "- { id: l999, service: \"999\", modem: { type: voice, device: /dev/ttyACM0 } }") {
                let line = try item.telephoneLine()
                if lines.contains(where: { $0.id == line.id }) {
                    throw item.error(.invalidValue, "line id '\(line.id)' is used twice", hint: "give every line its own id")
                }
                if let other = lines.first(where: { $0.modem.device == line.modem.device }) {
                    throw item.error(.invalidValue, "lines '\(other.id)' and '\(line.id)' both use \(line.modem.device)",
                                     hint: "each modem serves one line; check the device paths")
                }
                lines.append(line)
            }
            return lines
        }
        try mapping.finish()
        return Telephony(agency: agency, smsPartTimeout: timeout, lines: lines)
    }
}

extension ConfigValue {
    /// One `telephony.lines` entry.
    func telephoneLine() throws -> ParleyConfiguration.Line {
        let entry = try mapping()
        let id = try entry.required("id", example: "l999") { try $0.channelID() }
        let service = try entry.required("service", example: "\"999\"") { try $0.choice(LineService.self, what: "line service") }
        let priority = try entry.optional("priority", default: service.defaultPriority) { try $0.priority() }
        let modem = try entry.required("modem", example: "{ type: voice, device: /dev/ttyACM0 }") { try $0.modem() }
        if service == .sms, modem.kind != .gsm {
            throw entry.value.error(.invalidValue, "line '\(id)' has service sms but a \(modem.kind.rawValue) modem",
                                    hint: "SMS lines need modem.type: gsm")
        }
        if service != .sms, modem.kind == .gsm {
            throw entry.value.error(.invalidValue, "line '\(id)' has a gsm modem but service \(service.rawValue)",
                                    hint: "a GSM modem carries SMS only: set service: sms, or use modem.type: voice")
        }
        let itaTable = try entry.optional("text", default: false) { value in
            let mapping = try value.mapping()
            let table = try mapping.optional("table", default: "us") { tableValue in
                let table = try tableValue.string(example: "us")
                guard table == "us" || table == "ita2" else {
                    throw tableValue.error(.invalidValue, "'\(ConfigValue.shorten(table))' is not a Baudot table",
                                           hint: "use us (US TTY figures, the default) or ita2")
                }
                return table
            }
            try mapping.finish()
            return table == "ita2"
        }
        let name = try entry.optional("name", default: id) { try $0.string(example: "999 line 1") }
        try entry.finish()
        return ParleyConfiguration.Line(id: id, name: name, service: service, priority: priority, modem: modem, ttyTableITA2: itaTable)
    }

    /// A serial speed (`baud`): one of ``ParleyConfiguration/supportedBaudRates``.
    func baudRate() throws -> Int {
        let rate = try int(in: 1...4_000_000)
        guard ParleyConfiguration.supportedBaudRates.contains(rate) else {
            throw error(.invalidValue, "\(rate) bit/s is not a supported serial speed",
                        hint: "use one of \(ParleyConfiguration.supportedBaudRates.map(String.init).joined(separator: ", "))")
        }
        return rate
    }

    /// `emergency`, `priority`, `routine` or `admin`.
    func priority() throws -> Priority {
        let names = Priority.allCases.map(\.name)
        let text = try scalarText(expected: "priority", example: "routine", hint: "write one of \(names.joined(separator: ", "))")
        guard let priority = Priority(name: text) else {
            throw error(.invalidValue, "unknown priority '\(ConfigValue.shorten(text))'", hint: "use one of \(names.joined(separator: ", "))")
        }
        return priority
    }

    func modem() throws -> ParleyConfiguration.Modem {
        let mapping = try mapping()
        let kind = try mapping.required("type", example: "voice") { try $0.choice(ParleyConfiguration.Modem.Kind.self, what: "modem type") }
        if kind == .soundcard { return try soundCardModem(mapping) }
        let device = try mapping.required("device", example: "/dev/ttyACM0") { try $0.path(example: "/dev/ttyACM0") }
        let baud = try mapping.optional("baud", default: 115_200) { try $0.baudRate() }
        let country = try mapping.optional("country_code", default: String?.none) { value -> String? in
            let text = try value.string(example: "B4")
            guard kind == .voice else {
                throw value.error(.invalidValue, "country_code applies to voice modems only", hint: "remove it from this gsm modem")
            }
            guard (1...2).contains(text.utf8.count), text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x46) }) else {
                throw value.error(.invalidValue, "'\(ConfigValue.shorten(text))' is not a T.35 country code",
                                  hint: "write it in hex as AT+GCI takes it, e.g. B4 for the United Kingdom")
            }
            return text
        }
        let timeout = try mapping.optional("response_timeout_seconds", default: Duration?.none) { try $0.seconds(in: 1...120) }
        try mapping.finish()
        return ParleyConfiguration.Modem(kind: kind, device: device, baudRate: baud, countryCode: country, responseTimeout: timeout)
    }

    /// `modem: { type: soundcard, capture, playback, ring, hook, ring_timeout_seconds }`.
    private func soundCardModem(_ mapping: ConfigMapping) throws -> ParleyConfiguration.Modem {
        let capture = try mapping.required("capture", example: "{ device: \"plughw:CARD=Line,DEV=0\", rate: 8000 }") {
            try $0.capture(defaultRate: 8000)
        }
        let playback = try mapping.optional("playback", default: ParleyConfiguration.AudioEndpoint?.none) {
            try $0.audioEndpoint(captureRate: capture.sampleRate, sameRateAsCapture: false)
        }
        let ring = try mapping.required("ring", example: "{ type: serial, port: /dev/ttyUSB0, line: dcd }") { value in
            let source = try value.squelchSource()
            if case .vox = source {
                throw value.error(.invalidValue, "a ring detector cannot be vox",
                                  hint: "use type: serial (a status line) or type: cm108 (an input bit) wired to the ring detector")
            }
            return source
        }
        let hook = try mapping.required("hook", example: "{ type: serial, port: /dev/ttyUSB0, lines: [rts] }") { value in
            let (ptt, txDelay, tail) = try value.ptt()
            guard txDelay == .zero, tail == .zero else {
                throw value.error(.invalidValue, "tx_delay_ms and tail_ms do not apply to a hook relay", hint: "remove them")
            }
            return ptt
        }
        let ringTimeout = try mapping.optional("ring_timeout_seconds", default: Duration.seconds(8)) { try $0.seconds(in: 2...60) }
        try mapping.finish()
        let device = switch capture.source {
        case .device(let name): name
        case .rawFile(let path): path
        }
        return ParleyConfiguration.Modem(
            kind: .soundcard, device: device,
            soundCard: ParleyConfiguration.SoundCard(capture: capture, playback: playback, ring: ring, hook: hook, ringTimeout: ringTimeout))
    }
}
