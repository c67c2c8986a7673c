/// How to drive one analogue line's AT voice modem (ITU-T V.253).
public struct VoiceModemConfiguration: Sendable, Hashable {
    /// The line's id, for logs (`line.id`) and events.
    public var lineID: String
    /// Serial speed. Voice mode moves one byte per sample, so 8000 samples/s needs at least
    /// 80000 bit/s on the wire.
    public var baudRate: BaudRate
    /// ITU-T T.35 country code in hex, sent as `AT+GCI=<code>` so the modem uses the country's
    /// line rules and caller-ID format (`B4` United Kingdom, `B5` United States, `FD` Europe
    /// generic). Nil leaves the modem's own setting.
    public var countryCode: String?
    /// Sample format and rate in voice mode (`AT+VSM`).
    public var voiceFormat: VoiceModemVoiceFormat
    /// How long the modem may take to answer a command (and how long a voice stream may stall)
    /// before the driver resets it with `ATZ` and initialises it again.
    public var responseTimeout: Duration
    /// Ringing that stops for longer than this before the call is answered means the caller
    /// gave up (reported as abandoned). UK cadence repeats every 3 s.
    public var ringTimeout: Duration
    /// Replaces the whole initialisation list when set (the driver sends exactly these, in
    /// order, each expecting `OK`). A reset always sends `ATZ` first.
    public var initCommands: [String]?
    /// How often an idle modem is asked `AT`, to notice one that stopped answering before a
    /// call arrives. Nil never asks.
    public var idleProbeInterval: Duration?
    /// Whether the modem's `<DLE>s` (silence for its `AT+VSD` time) ends a call like busy or
    /// dial tone does. Turn it off where silent callers must be kept on the line (a silent 999
    /// call is not a cleared one); busy tone, dial tone, polarity reversal and `NO CARRIER`
    /// still end the call.
    public var silenceEndsCall: Bool
    /// How long the adapter waits before opening the device again after it vanished or
    /// failed to open.
    public var reopenDelay: Duration

    /// - Parameters:
    ///   - lineID: the line's id from the config file.
    ///   - baudRate: default 115200.
    ///   - countryCode: default nil (the modem's own setting); `B4` for the UK.
    ///   - voiceFormat: default 8-bit unsigned linear at 8000 samples/s (`AT+VSM=1,8000`).
    ///   - responseTimeout: default 5 s.
    ///   - ringTimeout: default 8 s.
    ///   - initCommands: default nil: `ATZ`, `ATE0`, `AT+FCLASS=8`, `AT+VCID=1`,
    ///     `AT+GCI=<countryCode>` (when set), `AT+VSM=<format>`.
    ///   - idleProbeInterval: default 30 s.
    ///   - silenceEndsCall: default true.
    ///   - reopenDelay: default 1 s.
    public init(
        lineID: String,
        baudRate: BaudRate = .b115200,
        countryCode: String? = nil,
        voiceFormat: VoiceModemVoiceFormat = VoiceModemVoiceFormat(),
        responseTimeout: Duration = .seconds(5),
        ringTimeout: Duration = .seconds(8),
        initCommands: [String]? = nil,
        idleProbeInterval: Duration? = .seconds(30),
        silenceEndsCall: Bool = true,
        reopenDelay: Duration = .seconds(1)
    ) {
        self.lineID = lineID
        self.baudRate = baudRate
        self.countryCode = countryCode
        self.voiceFormat = voiceFormat
        self.responseTimeout = responseTimeout
        self.ringTimeout = ringTimeout
        self.initCommands = initCommands
        self.idleProbeInterval = idleProbeInterval
        self.silenceEndsCall = silenceEndsCall
        self.reopenDelay = reopenDelay
    }

    /// The commands sent to initialise the modem, in order.
    public var initialisation: [String] {
        if let initCommands { return initCommands }
        var commands = ["ATZ", "ATE0", "AT+FCLASS=8", "AT+VCID=1"]
        if let countryCode { commands.append("AT+GCI=\(countryCode)") }
        commands.append(voiceFormat.command)
        return commands
    }

    /// Checks the values; the error names the config key and says what to use instead.
    public func validate() throws(DeviceError) {
        if let countryCode {
            let hex = countryCode.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x46) }
            guard countryCode.utf8.count == 2, hex else {
                throw .invalidConfiguration(
                    key: "country_code",
                    "\(countryCode.debugDescription) is not a T.35 country code — use two upper-case hex digits, "
                        + "e.g. B4 for the United Kingdom")
            }
        }
        guard (4000...48000).contains(voiceFormat.sampleRate) else {
            throw .invalidConfiguration(
                key: "voice_format.sample_rate",
                "\(voiceFormat.sampleRate) samples/s is out of range — telephone lines use 8000")
        }
        guard baudRate.bitsPerSecond >= voiceFormat.sampleRate * 10 else {
            throw .invalidConfiguration(
                key: "baud_rate",
                "\(baudRate) cannot carry \(voiceFormat.sampleRate) samples/s (10 bits per sample on the wire) — "
                    + "use 115200")
        }
        guard responseTimeout > .zero, ringTimeout > .zero, reopenDelay > .zero else {
            throw .invalidConfiguration(
                key: "response_timeout", "timeouts must be longer than zero — leave them out for the defaults")
        }
        if let initCommands, let bad = initCommands.first(where: { !$0.uppercased().hasPrefix("AT") }) {
            throw .invalidConfiguration(
                key: "init_commands", "\(bad.debugDescription) does not start with AT — list modem commands only")
        }
    }
}
