/// How one TETRA terminal is driven over its PEI (ETSI EN 300 392-5, AT commands on a serial
/// port) as a channel's PTT and squelch source and an SDS gateway.
public struct PEIConfiguration: Sendable, Hashable {
    /// The channel this terminal serves (`tetra-1`); logged as `channel.id`.
    public var channelID: String
    /// Serial speed of the PEI (most terminals: 9600 or 38 400 bit/s; USB ones ignore it).
    public var baudRate: BaudRate
    /// The talkgroup the channel works on: `ATD<gssi>` sets up its group call, and the default
    /// initialisation selects it with `AT+CTGS=1,<gssi>`.
    public var gssi: UInt32
    /// The commands sent, in order, whenever the port opens and after the terminal stopped
    /// answering. Each must be answered `OK`; a refusal is reported and the next one is sent.
    public var initialisation: [String]
    /// Status values reported as emergencies (besides an emergency-priority call). 0 is the
    /// standard's emergency status (EN 300 392-2 §14.8.34).
    public var emergencyStatuses: Set<UInt16>
    /// How long any command may go unanswered before the terminal is taken to have stopped
    /// answering, PTT reported unkeyed and the terminal re-initialised.
    public var responseTimeout: Duration
    /// With nothing else to send, an `AT` is sent this often, so that a terminal that went
    /// silent is noticed between transmissions.
    public var keepAliveInterval: Duration
    /// How long after `ATD` the call may take to connect (`+CTCC`) while PTT is held; then the
    /// key-up is reported failed (unkeyed).
    public var callSetupTimeout: Duration
    /// The longest line accepted from the terminal; longer ones are discarded and counted.
    public var maxLineBytes: Int
    /// How often the adapter tries to reopen a serial device that is missing or vanished.
    public var reopenDelay: Duration

    /// The default initialisation for `gssi`: reset, no echo, numeric errors, trunked mode,
    /// the voice, status, simple-text and SDS-TL text service profiles routed to the PEI, and
    /// the talkgroup selected.
    public static func defaultInitialisation(gssi: UInt32) -> [String] {
        [
            "ATZ", "ATE0", "AT+CMEE=1", "AT+CTOM=0",
            "AT+CTSP=2,0,0",  // voice (circuit mode) to the PEI
            "AT+CTSP=1,2,20",  // SDS status
            "AT+CTSP=1,3,2",  // SDS-TL simple text messaging
            "AT+CTSP=1,3,130",  // SDS-TL text messaging
            "AT+CTGS=1,\(gssi)",
        ]
    }

    /// - Parameters:
    ///   - channelID: the radio channel's identifier.
    ///   - gssi: the channel's talkgroup.
    ///   - baudRate: default 38 400 bit/s.
    ///   - initialisation: default ``defaultInitialisation(gssi:)``.
    ///   - emergencyStatuses: default [0].
    ///   - responseTimeout: default 5 s.
    ///   - keepAliveInterval: default 30 s.
    ///   - callSetupTimeout: default 5 s.
    ///   - maxLineBytes: default 1024.
    ///   - reopenDelay: default 1 s.
    public init(
        channelID: String, gssi: UInt32, baudRate: BaudRate = .b38400, initialisation: [String]? = nil,
        emergencyStatuses: Set<UInt16> = [0], responseTimeout: Duration = .seconds(5),
        keepAliveInterval: Duration = .seconds(30), callSetupTimeout: Duration = .seconds(5),
        maxLineBytes: Int = 1024, reopenDelay: Duration = .seconds(1)
    ) {
        self.channelID = channelID
        self.gssi = gssi
        self.baudRate = baudRate
        self.initialisation = initialisation ?? Self.defaultInitialisation(gssi: gssi)
        self.emergencyStatuses = emergencyStatuses
        self.responseTimeout = responseTimeout
        self.keepAliveInterval = keepAliveInterval
        self.callSetupTimeout = callSetupTimeout
        self.maxLineBytes = maxLineBytes
        self.reopenDelay = reopenDelay
    }

    /// Checks the values a config file can get wrong; the error names the key for the loader
    /// to report with file and line.
    public func validate() throws(DeviceError) {
        guard gssi <= TETRAIdentity.maxSSI else {
            throw .invalidConfiguration(key: "gssi", "\(gssi) is not a TETRA short subscriber identity (at most 16777215)")
        }
        for command in initialisation {
            guard command.hasPrefix("AT") || command.hasPrefix("at") else {
                throw .invalidConfiguration(key: "init", "\(command.debugDescription) is not an AT command — each line starts with AT")
            }
            guard command.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
                throw .invalidConfiguration(key: "init", "\(command.debugDescription) holds control characters — give one command per entry")
            }
        }
        let durations: [(String, Duration)] = [
            ("response-timeout", responseTimeout), ("keep-alive", keepAliveInterval),
            ("call-setup-timeout", callSetupTimeout), ("reopen-delay", reopenDelay),
        ]
        for (key, value) in durations where value <= .zero {
            throw .invalidConfiguration(key: key, "\(value) is not positive — give a duration such as 5s")
        }
        guard maxLineBytes >= 64 else {
            throw .invalidConfiguration(key: "max-line-bytes", "\(maxLineBytes) is too small for PEI results — use at least 64")
        }
    }
}
