/// One AT command the GSM driver has outstanding (3GPP TS 27.005 §3–4, PDU mode; ITU-T V.250).
enum GSMModemCommand: Sendable, Hashable {
    /// `ATZ`: back to the stored profile, after the modem stopped answering.
    case reset
    /// `ATE0`: no command echo.
    case echoOff
    /// `AT+CMEE=1`: numeric `+CME ERROR` codes.
    case verboseErrors
    /// `AT+CMGF=0`: PDU mode.
    case pduMode
    /// `AT+CNMI=…`: store new messages and announce them with `+CMTI`.
    case indications(String)
    /// `AT+CMGL=4`: every stored message.
    case list
    /// `AT+CMGR=<index>`.
    case read(index: Int)
    /// `AT+CMGD=<index>`.
    case delete(index: Int)
    /// `AT+CMGS=<length>`, waiting for the `> ` prompt.
    case submit(tpduLength: Int)
    /// The PDU and Ctrl-Z were sent; waiting for `+CMGS: <mr>` and the final result.
    case submitBody
    /// ESC was sent after the prompt never came; waiting for whatever final result follows.
    case cancelSubmit

    /// The set-up, in order: ATZ first after a reset; listing what is stored last.
    static func initialisation(reset: Bool, cnmi: String) -> [GSMModemCommand] {
        (reset ? [.reset] : []) + [.echoOff, .verboseErrors, .pduMode, .indications(cnmi), .list]
    }

    /// The command line as sent, without its CR.
    var text: String {
        switch self {
        case .reset: "ATZ"
        case .echoOff: "ATE0"
        case .verboseErrors: "AT+CMEE=1"
        case .pduMode: "AT+CMGF=0"
        case .indications(let cnmi): "AT+CNMI=\(cnmi)"
        case .list: "AT+CMGL=4"
        case .read(let index): "AT+CMGR=\(index)"
        case .delete(let index): "AT+CMGD=\(index)"
        case .submit(let length): "AT+CMGS=\(length)"
        case .submitBody: "the SMS PDU"
        case .cancelSubmit: "ESC"
        }
    }

    /// The information response name this command expects (`+CMGR`), if any.
    var informationResponse: String? {
        switch self {
        case .list: "+CMGL"
        case .read: "+CMGR"
        case .submitBody: "+CMGS"
        default: nil
        }
    }
}

extension String {
    /// True for a non-empty line of hex digits only: a PDU line.
    var isHexDigits: Bool {
        !isEmpty && utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The first `limit` characters, with "…" when there were more (for log lines and events).
    func truncated(to limit: Int = 64) -> String {
        count > limit ? String(prefix(limit)) + "…" : self
    }
}
