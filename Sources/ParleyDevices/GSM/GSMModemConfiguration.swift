/// How one GSM modem line is driven (3GPP TS 27.005, PDU mode).
public struct GSMModemConfiguration: Sendable, Hashable {
    /// The telephony line this modem serves (`sms-1`); logged as `line.id`.
    public var lineID: String
    /// Serial speed. Most USB modems ignore it; a modem on a real UART needs its own rate.
    public var baudRate: BaudRate
    /// The parameters of `AT+CNMI=` (new-message indications). Its second field (`<mt>`) must be
    /// 1: new messages are stored and announced with `+CMTI`, so that nothing is lost if parleyd
    /// is down when they arrive and each is deleted only after the store has it.
    public var cnmi: String
    /// How long any command may go unanswered before the modem is taken to have stopped
    /// answering and is reset (`ATZ`, then the set-up again).
    public var responseTimeout: Duration
    /// How long to wait for the `> ` prompt after `AT+CMGS=`; then the send is cancelled with
    /// ESC and reported failed, and the driver carries on.
    public var promptTimeout: Duration
    /// How long the network may take to accept a sent part (`+CMGS: <mr>`) before the modem is
    /// taken to have stopped answering. Sending can take several seconds on a weak signal.
    public var submitTimeout: Duration
    /// The SMS service centre to send through (`+447785016005`); nil uses the one stored in
    /// the SIM.
    public var serviceCentre: String?
    /// After the host reports that it could not commit a message, how long until the driver
    /// reads it from the SIM and delivers it again.
    public var redeliveryDelay: Duration
    /// How often stored messages are listed (`AT+CMGL=4`) as a safety net for a `+CMTI` lost to
    /// line noise; nil lists only after each (re)initialisation.
    public var pollInterval: Duration?
    /// How often the adapter tries to reopen a serial device that is missing or vanished.
    public var reopenDelay: Duration

    /// - Parameters:
    ///   - lineID: the telephony line's identifier.
    ///   - baudRate: default 115 200 bit/s.
    ///   - cnmi: default `2,1,0,1,0` (buffer indications while the link is busy; store new
    ///     messages and send `+CMTI`; no cell broadcast; status reports as `+CDS`; flush).
    ///   - responseTimeout: default 10 s.
    ///   - promptTimeout: default 5 s.
    ///   - submitTimeout: default 60 s.
    ///   - serviceCentre: default nil (the SIM's).
    ///   - redeliveryDelay: default 30 s.
    ///   - pollInterval: default 60 s.
    ///   - reopenDelay: default 1 s.
    public init(
        lineID: String, baudRate: BaudRate = .b115200, cnmi: String = "2,1,0,1,0",
        responseTimeout: Duration = .seconds(10), promptTimeout: Duration = .seconds(5),
        submitTimeout: Duration = .seconds(60), serviceCentre: String? = nil,
        redeliveryDelay: Duration = .seconds(30), pollInterval: Duration? = .seconds(60),
        reopenDelay: Duration = .seconds(1)
    ) {
        self.lineID = lineID
        self.baudRate = baudRate
        self.cnmi = cnmi
        self.responseTimeout = responseTimeout
        self.promptTimeout = promptTimeout
        self.submitTimeout = submitTimeout
        self.serviceCentre = serviceCentre
        self.redeliveryDelay = redeliveryDelay
        self.pollInterval = pollInterval
        self.reopenDelay = reopenDelay
    }

    /// Checks the values a config file can get wrong; the error names the key (`cnmi`,
    /// `response-timeout`, …) for the loader to report with file and line.
    public func validate() throws(DeviceError) {
        let fields = cnmi.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
        guard (2...5).contains(fields.count), fields.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) else {
            throw .invalidConfiguration(
                key: "cnmi", "\(cnmi.debugDescription) is not AT+CNMI parameters — use 2 to 5 numbers such as 2,1,0,1,0")
        }
        guard fields[1] == "1" else {
            throw .invalidConfiguration(
                key: "cnmi", "\(cnmi.debugDescription) does not store new messages (its second number must be 1, "
                    + "+CMTI) — without that a message arriving while parleyd is down would be lost; use 2,1,0,1,0")
        }
        let durations: [(String, Duration)] = [
            ("response-timeout", responseTimeout), ("prompt-timeout", promptTimeout), ("submit-timeout", submitTimeout),
            ("redelivery-delay", redeliveryDelay), ("reopen-delay", reopenDelay),
        ] + (pollInterval.map { [("poll-interval", $0)] } ?? [])
        for (key, value) in durations where value <= .zero {
            throw .invalidConfiguration(key: key, "\(value) is not positive — give a duration such as 10s")
        }
        if let serviceCentre {
            do {
                _ = try SMSSubmit.destination(serviceCentre)
            } catch {
                throw .invalidConfiguration(key: "service-centre", SMSPDUError.invalidServiceCentre(serviceCentre).description)
            }
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String { String(self).trimmingSpaces }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
