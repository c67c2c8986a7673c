import ParleyCore

// How `channels:` entries are read. Keep in step with ChannelConfiguration.swift,
// config/parley.example.yaml and docs/configuration.md.

extension ParleyConfiguration {
    static let supportedSampleRates = [8000, 16000, 48000]

    /// The `channels:` list: every entry read, ids unique.
    static func readChannels(_ value: ConfigValue) throws -> [Channel] {
        let example = "- { id: north, capture: { device: \"plughw:CARD=Device,DEV=0\" } }"
        var channels: [Channel] = []
        for item in try value.list(example: example) {
            let channel = try item.channel()
            if channels.contains(where: { $0.id == channel.id }) {
                throw item.error(.invalidValue, "channel id '\(channel.id)' is used twice",
                                 hint: "give every channel its own id")
            }
            channels.append(channel)
        }
        return channels
    }
}

extension ConfigValue {
    /// One `channels:` entry.
    func channel() throws -> ParleyConfiguration.Channel {
        let entry = try mapping()
        let id = try entry.required("id", example: "north") { try $0.channelID() }
        let capture = try entry.required("capture", example: "{ device: \"plughw:CARD=Device,DEV=0\" }") { try $0.capture() }
        func endpoint(sameRateAsCapture: Bool) -> (ConfigValue) throws -> ParleyConfiguration.AudioEndpoint {
            { try $0.audioEndpoint(captureRate: capture.sampleRate, sameRateAsCapture: sameRateAsCapture) }
        }
        let playback = try entry.optional("playback", default: nil, endpoint(sameRateAsCapture: false))
        let transmitAudio = try entry.optional("transmit_audio", default: nil, endpoint(sameRateAsCapture: true))
        let dispatcherAudio = try entry.optional("dispatcher_audio", default: nil, endpoint(sameRateAsCapture: true))
        var squelch = try entry.optional("squelch", default: ParleyConfiguration.Squelch()) { try $0.squelch() }
        let preRoll = try entry.optional("recording", default: Duration.milliseconds(300)) { value in
            let mapping = try value.mapping()
            let preRoll = try mapping.optional("pre_roll_ms", default: Duration.milliseconds(300)) { try $0.milliseconds(in: 0...2000) }
            try mapping.finish()
            return preRoll
        }
        let ptt = try entry.optional("ptt", default: nil) { try $0.ptt() }
        let tetra = try entry.optional("tetra", default: ParleyConfiguration.TETRA?.none) { try $0.tetra() }
        let ani = try entry.optional("ani", default: ParleyConfiguration.ANI?.none) { try $0.choice(ParleyConfiguration.ANI.self, what: "ANI type") }
        if tetra != nil, let given = entry.present(["ptt"]).first {
            throw given.errorAtKey(.invalidValue, "a channel with a TETRA terminal is keyed through it",
                                   hint: "remove ptt: here, or remove tetra: to key another transmitter")
        }
        // The terminal's transmission grants open the squelch; VOX only when asked for.
        if tetra != nil, entry.present(["squelch"]).isEmpty { squelch.sources = [] }
        let keying = try entry.optional("keying", default: (FloorControlConfiguration(), Duration?.some(.seconds(10)))) { try $0.keying() }
        var floor = keying.0
        if let ptt {
            floor.txDelay = ptt.txDelay
            floor.tail = ptt.tail
        }
        let name = try entry.optional("name", default: id) { try $0.string(example: "North sector") }
        try entry.finish()
        return ParleyConfiguration.Channel(
            id: id, name: name, capture: capture, playback: playback, transmitAudio: transmitAudio,
            dispatcherAudio: dispatcherAudio, squelch: squelch,
            preRoll: preRoll, ptt: ptt?.ptt, keying: floor, emergencyMarkerInterval: keying.1, tetra: tetra, ani: ani)
    }

    /// `tetra:` — `device`, `baud`, `gssi`, `init`, `emergency_statuses`, `statuses`,
    /// `response_timeout_seconds`.
    func tetra() throws -> ParleyConfiguration.TETRA {
        let mapping = try mapping()
        let device = try mapping.required("device", example: "/dev/ttyUSB0") { try $0.path(example: "/dev/ttyUSB0") }
        let baud = try mapping.optional("baud", default: 38400) { try $0.baudRate() }
        let gssi = try mapping.required("gssi", example: "1001") { try $0.int(in: 1...16_777_215) }
        let commands = try mapping.optional("init", default: [String]?.none) { value -> [String]? in
            try value.list(example: "[ATZ, ATE0, \"AT+CTGS=1,1001\"]").map { item in
                let command = try item.string(example: "ATZ")
                guard command.uppercased().hasPrefix("AT"), command.utf8.count <= 200,
                      command.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F })
                else {
                    throw item.error(.invalidValue, "'\(ConfigValue.shorten(command))' is not an AT command",
                                     hint: "each entry is one command starting with AT, printable ASCII, e.g. \"AT+CTGS=1,1001\"")
                }
                return command
            }
        }
        let emergency = try mapping.optional("emergency_statuses", default: [0]) { value in
            try value.list(example: "[0]").map { try $0.int(in: 0...65535) }
        }
        let statuses = try mapping.optional("statuses", default: [Int: String]()) { value in
            var meanings: [Int: String] = [:]
            for item in try value.list(example: "[{ value: 32770, meaning: at scene }]") {
                let entry = try item.mapping()
                let status = try entry.required("value", example: "32770") { try $0.int(in: 0...65535) }
                let meaning = try entry.required("meaning", example: "at scene") { try $0.string(example: "at scene") }
                try entry.finish()
                if meanings[status] != nil {
                    throw item.error(.invalidValue, "status \(status) is listed twice", hint: "give each status value one meaning")
                }
                meanings[status] = meaning
            }
            return meanings
        }
        let timeout = try mapping.optional("response_timeout_seconds", default: Duration.seconds(5)) { try $0.seconds(in: 1...120) }
        try mapping.finish()
        return ParleyConfiguration.TETRA(
            device: device, baudRate: baud, gssi: gssi, initialisation: commands, emergencyStatuses: emergency, statuses: statuses,
            responseTimeout: timeout)
    }

    /// `capture:` — `device` or `raw_file`, and `rate`.
    func capture(defaultRate: Int = 16000) throws -> ParleyConfiguration.Capture {
        let mapping = try mapping()
        let source = try mapping.audioSource(example: "plughw:CARD=Device,DEV=0")
        let rate = try mapping.optional("rate", default: defaultRate) { try $0.sampleRate() }
        try mapping.finish()
        return ParleyConfiguration.Capture(source: source, sampleRate: rate)
    }

    /// An output endpoint (`playback`, `transmit_audio`, …): `device` or `raw_file`, and `rate`
    /// (default: the capture rate; required to equal it when `sameRateAsCapture`).
    func audioEndpoint(captureRate: Int, sameRateAsCapture: Bool) throws -> ParleyConfiguration.AudioEndpoint {
        let mapping = try mapping()
        let source = try mapping.audioSource(example: "plughw:CARD=Device,DEV=0")
        let rate = try mapping.optional("rate", default: captureRate) { rateValue in
            let rate = try rateValue.sampleRate()
            if sameRateAsCapture, rate != captureRate {
                throw rateValue.error(
                    .invalidValue, "the transmit path runs at the channel's rate (capture.rate \(captureRate))",
                    hint: "remove rate here, or set it to \(captureRate) (plughw: devices convert)")
            }
            return rate
        }
        try mapping.finish()
        return ParleyConfiguration.AudioEndpoint(source: source, sampleRate: rate)
    }

    /// A channel id: 1–32 of letters, digits, `-`, `_`.
    func channelID() throws -> String {
        let text = try string(example: "north")
        let allowed = text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte == 0x2d || byte == 0x5f
        }
        guard allowed, (1...32).contains(text.utf8.count) else {
            throw error(.invalidValue, "'\(ConfigValue.shorten(text))' is not a valid channel id",
                        hint: "use 1 to 32 letters, digits, '-' or '_', e.g. north or tg-2041")
        }
        return text
    }

    func sampleRate() throws -> Int {
        let rates = ParleyConfiguration.supportedSampleRates
        let rate = try int(in: 1...192_000)
        guard rates.contains(rate) else {
            throw error(.invalidValue, "\(rate) Hz is not supported",
                        hint: "use one of \(rates.map(String.init).joined(separator: ", ")) (Hz)")
        }
        return rate
    }

    /// Whole milliseconds in `range`.
    func milliseconds(in range: ClosedRange<Int>) throws -> Duration {
        .milliseconds(try int(in: range))
    }

    /// A number (whole or decimal, optionally negative) in `range`.
    func number(in range: ClosedRange<Double>) throws -> Double {
        let rangeHint = "use a number from \(range.lowerBound) to \(range.upperBound)"
        let text = try scalarText(expected: "a number", example: "\(range.lowerBound)", hint: "write a single value: " + rangeHint)
        guard let value = Double(text), value.isFinite else {
            throw error(.wrongType, "expected a number, found \(found)", hint: rangeHint)
        }
        guard range.contains(value) else {
            throw error(.outOfRange, "\(text) is out of range", hint: rangeHint)
        }
        return value
    }

    func squelch() throws -> ParleyConfiguration.Squelch {
        let mapping = try mapping()
        let defaults = SquelchConfiguration()
        let sources = try mapping.optional("sources", default: [ParleyConfiguration.SquelchSource.vox(.init())]) { value in
            let items = try value.list(example: "- { type: vox, threshold_dbfs: -40 }").map { try $0.squelchSource() }
            guard !items.isEmpty else {
                throw value.error(.invalidValue, "a channel needs at least one squelch source",
                                  hint: "add one, e.g. - { type: vox } or - { type: serial, port: /dev/ttyUSB0, line: dcd }")
            }
            return items
        }
        let debounce = try mapping.optional("debounce_ms", default: defaults.debounce) { try $0.milliseconds(in: 0...5000) }
        let hang = try mapping.optional("hang_ms", default: defaults.hangTime) { try $0.milliseconds(in: 0...30000) }
        let timeout = try mapping.optional("rx_timeout_seconds", default: defaults.receiveTimeout) { value -> Duration? in
            let seconds = try value.seconds(in: 0...86400)
            return seconds == .zero ? nil : seconds
        }
        try mapping.finish()
        return ParleyConfiguration.Squelch(
            sources: sources, timing: SquelchConfiguration(debounce: debounce, hangTime: hang, receiveTimeout: timeout))
    }

    func squelchSource() throws -> ParleyConfiguration.SquelchSource {
        let mapping = try mapping()
        let type = try mapping.required("type", example: "vox") { try $0.choice(SquelchSourceType.self, what: "squelch source type") }
        let source: ParleyConfiguration.SquelchSource
        switch type {
        case .vox:
            let defaults = ParleyConfiguration.Vox()
            source = .vox(ParleyConfiguration.Vox(
                thresholdDBFS: try mapping.optional("threshold_dbfs", default: defaults.thresholdDBFS) { try $0.number(in: -90...0) },
                attack: try mapping.optional("attack_ms", default: defaults.attack) { try $0.milliseconds(in: 0...2000) },
                hang: try mapping.optional("hang_ms", default: defaults.hang) { try $0.milliseconds(in: 0...10000) }))
        case .serial:
            source = .serial(
                port: try mapping.required("port", example: "/dev/ttyUSB0") { try $0.path(example: "/dev/ttyUSB0") },
                line: try mapping.optional("line", default: .dcd) { try $0.choice(ParleyConfiguration.StatusLine.self, what: "status line") },
                inverted: try mapping.optional("invert", default: false) { try $0.bool() })
        case .cm108:
            source = .cm108(
                hidraw: try mapping.required("hidraw", example: "/dev/hidraw0") { try $0.path(example: "/dev/hidraw0") },
                bit: try mapping.optional("bit", default: 1) { try $0.int(in: 0...7) },
                inverted: try mapping.optional("invert", default: false) { try $0.bool() })
        }
        try mapping.finish()
        return source
    }

    /// `ptt:` with its timing (which belongs to floor control).
    func ptt() throws -> (ptt: ParleyConfiguration.PTT, txDelay: Duration, tail: Duration) {
        let mapping = try mapping()
        let type = try mapping.required("type", example: "serial") { try $0.choice(PTTTypeName.self, what: "PTT type") }
        let kind: ParleyConfiguration.PTT.Kind
        switch type {
        case .serial:
            kind = .serial(
                port: try mapping.required("port", example: "/dev/ttyUSB0") { try $0.path(example: "/dev/ttyUSB0") },
                lines: try mapping.optional("lines", default: [ParleyConfiguration.ControlLine(.rts)]) { value in
                    let lines = try value.list(example: "[rts]").map { try $0.controlLine() }
                    guard !lines.isEmpty else {
                        throw value.error(.invalidValue, "no PTT line given", hint: "list rts and/or dtr, e.g. lines: [rts]; prefix ! to invert")
                    }
                    return lines
                })
        case .cm108:
            kind = .cm108(
                hidraw: try mapping.required("hidraw", example: "/dev/hidraw0") { try $0.path(example: "/dev/hidraw0") },
                gpio: try mapping.optional("gpio", default: 3) { try $0.int(in: 1...8) },
                inverted: try mapping.optional("invert", default: false) { try $0.bool() })
        case .rigctld:
            kind = .rigctld(
                host: try mapping.optional("host", default: "127.0.0.1") { try $0.string(example: "127.0.0.1") },
                port: try mapping.optional("port", default: 4532) { try $0.int(in: 1...65535) })
        }
        let txDelay = try mapping.optional("tx_delay_ms", default: Duration.zero) { try $0.milliseconds(in: 0...5000) }
        let tail = try mapping.optional("tail_ms", default: Duration.zero) { try $0.milliseconds(in: 0...5000) }
        try mapping.finish()
        return (ParleyConfiguration.PTT(kind: kind), txDelay, tail)
    }

    func controlLine() throws -> ParleyConfiguration.ControlLine {
        var text = try string(example: "rts")
        let inverted = text.hasPrefix("!")
        if inverted { text.removeFirst() }
        guard let line = ParleyConfiguration.ControlLine.Line(rawValue: text.lowercased()) else {
            throw error(.invalidValue, "'\(ConfigValue.shorten(text))' is not a PTT line",
                        hint: "use rts or dtr, with a leading ! to invert (e.g. \"!dtr\")")
        }
        return ParleyConfiguration.ControlLine(line, inverted: inverted)
    }

    /// `keying:` → floor control (without the PTT timings) and the emergency marker interval.
    func keying() throws -> (FloorControlConfiguration, Duration?) {
        let mapping = try mapping()
        let defaults = FloorControlConfiguration()
        let tot = try mapping.optional("tot_seconds", default: defaults.transmitTimeout) { value -> Duration? in
            let seconds = try value.seconds(in: 0...3600)
            return seconds == .zero ? nil : seconds
        }
        let warning = try mapping.optional("tot_warning_seconds", default: defaults.timeoutWarning) { try $0.seconds(in: 0...3600) }
        let refuse = try mapping.optional("refuse_while_receiving", default: defaults.refuseWhileReceiving) { try $0.bool() }
        let emergency = try mapping.optional("emergency_overrides_receiving", default: defaults.emergencyOverridesReceiving) { try $0.bool() }
        let marker = try mapping.optional("emergency_marker_seconds", default: Duration?.some(.seconds(10))) { value -> Duration? in
            let seconds = try value.seconds(in: 0...600)
            return seconds == .zero ? nil : seconds
        }
        try mapping.finish()
        return (
            FloorControlConfiguration(
                transmitTimeout: tot, timeoutWarning: warning, refuseWhileReceiving: refuse, emergencyOverridesReceiving: emergency),
            marker
        )
    }
}

extension ConfigMapping {
    /// Exactly one of `device` or `raw_file`.
    func audioSource(example: String) throws -> ParleyConfiguration.AudioSource {
        let given = present(["device", "raw_file"])
        guard let first = given.first else {
            try finish()
            throw value.error(.missingKey, "no audio device given",
                              hint: "add device: \"\(example)\" (an ALSA PCM name, see arecord -L), or raw_file: PATH for a simulator")
        }
        if given.count > 1 {
            throw given[1].errorAtKey(.invalidValue, "give either device or raw_file, not both", hint: "remove one of them")
        }
        if first.key.hasSuffix("raw_file") {
            return .rawFile(try first.path(example: "/tmp/north.raw"))
        }
        return .device(try first.string(example: example))
    }
}

/// The `type` names of squelch sources.
enum SquelchSourceType: String, CaseIterable {
    case vox, serial, cm108
}

/// The `type` names of PTT drivers (TETRA PEI comes with its own issue).
enum PTTTypeName: String, CaseIterable {
    case serial, cm108, rigctld
}
