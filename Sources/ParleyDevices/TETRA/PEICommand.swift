/// One AT command the PEI driver sends (ETSI EN 300 392-5; ITU-T V.250).
enum PEICommand: Sendable, Hashable {
    /// A command from the configured initialisation list.
    case initialise(String)
    /// `AT`: is the terminal still there?
    case keepAlive
    /// `AT+CTSDC=…`: the circuit-mode service for the group call about to be dialled
    /// (speech, SSI, direct set-up, simplex, point to multipoint, transmission requested,
    /// call priority).
    case callSetup(PEITransmitPriority)
    /// `ATD<gssi>`: set up the talkgroup's call.
    case dial(UInt32)
    /// `AT+CTXD=<cc>,<priority>`: ask to transmit on the call.
    case demand(callInstance: Int, PEITransmitPriority)
    /// `AT+CUTXC=<cc>`: stop transmitting.
    case cease(callInstance: Int)
    /// `AT+CTSDS=<AI service>,0,0,0,0`: the service of the next `AT+CMGS` (to an SSI, no
    /// encryption, default access priority).
    case shortDataService(Int)
    /// `AT+CMGS=<ssi>,<bits><CR><hex><Ctrl-Z>`; `requestID` nil for the driver's own reports.
    case sendShortData(to: UInt32, SDSPayload, requestID: Int?)

    /// The command as logged, without the user data.
    var text: String {
        switch self {
        case .initialise(let command): command
        case .keepAlive: "AT"
        case .callSetup(let priority): "AT+CTSDC=0,0,0,1,1,0,1,1,1,\(priority.callPriority)"
        case .dial(let gssi): "ATD\(gssi)"
        case .demand(let instance, let priority): "AT+CTXD=\(instance),\(priority.rawValue)"
        case .cease(let instance): "AT+CUTXC=\(instance)"
        case .shortDataService(let service): "AT+CTSDS=\(service),0,0,0,0"
        case .sendShortData(let ssi, let payload, _): "AT+CMGS=\(ssi),\(payload.bits)"
        }
    }

    /// The bytes written.
    var bytes: [UInt8] {
        switch self {
        case .sendShortData(_, let payload, _): Array((text + "\r" + payload.hex).utf8) + [0x1A]
        default: Array((text + "\r").utf8)
        }
    }

    /// True for the commands that key or unkey the transmitter.
    var isPTT: Bool {
        switch self {
        case .callSetup, .dial, .demand, .cease: true
        default: false
        }
    }
}
