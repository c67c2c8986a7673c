/// `+CME ERROR: <err>` (mobile equipment errors, 3GPP TS 27.007 §9.2 — GSM modems and TETRA PEI
/// terminals) or `+CMS ERROR: <err>` (message service failures, 3GPP TS 27.005 §3.2.5). Kept as
/// the code (or the verbose text, if the device sends that) with the standard's name, for logs
/// and the control socket.
public struct ATDeviceError: Sendable, Hashable, CustomStringConvertible {
    public enum Family: String, Sendable, Hashable {
        case equipment = "+CME ERROR"
        case messageService = "+CMS ERROR"
    }

    public var family: Family
    /// The numeric code, when the device sent one.
    public var code: Int?
    /// The standard's name for `code`, or the text the device sent in verbose mode.
    public var name: String

    public init(_ family: Family, code: Int) {
        let names = family == .equipment ? ATDeviceError.equipmentNames : ATDeviceError.messageServiceNames
        self.init(family: family, code: code, name: names[code] ?? "unknown error \(code)")
    }

    /// Parses what follows the colon; a number gets the standard name, text is kept as sent.
    public init(_ family: Family, field: String) {
        let trimmed = field.trimmingSpaces
        if let code = Int(trimmed) {
            self.init(family, code: code)
        } else {
            self.init(family: family, code: nil, name: trimmed.isEmpty ? "unspecified" : trimmed)
        }
    }

    private init(family: Family, code: Int?, name: String) {
        self.family = family
        self.code = code
        self.name = name
    }

    public var description: String { code.map { "\($0) (\(name))" } ?? name }

    /// The same error named as a TETRA terminal means it: PEI `+CME ERROR` codes follow
    /// EN 300 392-5, which agrees with 3GPP only for some codes (34 is "parameter out of range"
    /// there, "unknown" nowhere).
    public var inTETRATerms: ATDeviceError {
        guard family == .equipment, let code else { return self }
        return ATDeviceError(family: family, code: code, name: Self.peiEquipmentNames[code] ?? "unknown error \(code)")
    }

    /// 3GPP TS 27.007 §9.2.1.
    static let equipmentNames: [Int: String] = [
        0: "phone failure", 1: "no connection to phone", 2: "phone-adaptor link reserved",
        3: "operation not allowed", 4: "operation not supported", 5: "PH-SIM PIN required",
        10: "SIM not inserted", 11: "SIM PIN required", 12: "SIM PUK required", 13: "SIM failure",
        14: "SIM busy", 15: "SIM wrong", 16: "incorrect password", 17: "SIM PIN2 required",
        18: "SIM PUK2 required", 20: "memory full", 21: "invalid index", 22: "not found",
        23: "memory failure", 24: "text string too long", 25: "invalid characters in text string",
        26: "dial string too long", 27: "invalid characters in dial string", 30: "no network service",
        31: "network timeout", 32: "network not allowed - emergency calls only", 100: "unknown",
    ]

    /// ETSI EN 300 392-5 (PEI), `+CME ERROR` values.
    static let peiEquipmentNames: [Int: String] = [
        0: "unable to send the data over the air interface", 1: "no reliable communication with the TE",
        2: "PEI link already in use", 3: "operation not allowed in the current state", 4: "operation not supported",
        5: "PIN required", 10: "SIM not inserted", 11: "SIM PIN1 required", 12: "SIM PUK1 required",
        13: "SIM failure", 14: "SIM not ready", 15: "SIM not recognised", 16: "incorrect PIN",
        17: "SIM PIN2 required", 18: "SIM PUK2 required", 20: "message stack full", 21: "message index does not exist",
        22: "no message at that index", 23: "message stack failure", 24: "status text too long",
        25: "invalid characters in status text", 26: "dial string longer than 25 digits",
        27: "invalid characters in dial string", 30: "out of service", 31: "no layer 2 acknowledgement from the SwMI",
        32: "user data decoding failed", 33: "parameter of the wrong type", 34: "parameter out of range",
        35: "syntax error", 36: "user data received without AT+CMGS", 37: "AT+CMGS timed out waiting for user data",
        38: "protocol identifier already registered", 39: "SDS-TL registration table full",
        40: "not supported in direct mode (DMO)", 41: "terminal is in transmit-inhibit mode",
        42: "terminal busy with other signalling", 43: "not supported in trunked mode (V+D)",
        44: "unknown parameter handling supported",
    ]

    /// Codes 0–127 are network causes (3GPP TS 24.011 Annex E-2), 128–255 TP-FCS values
    /// (3GPP TS 23.040 §9.2.3.22), 300–500 the terminal's own (3GPP TS 27.005 §3.2.5).
    static let messageServiceNames: [Int: String] = [
        // 3GPP TS 24.011 Annex E-2 (RP-cause).
        1: "unassigned (unallocated) number", 8: "operator determined barring", 10: "call barred",
        21: "short message transfer rejected", 22: "memory capacity exceeded", 27: "destination out of service",
        28: "unidentified subscriber", 29: "facility rejected", 30: "unknown subscriber",
        38: "network out of order", 41: "temporary failure", 42: "congestion",
        47: "resources unavailable, unspecified", 50: "requested facility not subscribed",
        69: "requested facility not implemented", 81: "invalid short message transfer reference value",
        95: "invalid message, unspecified", 96: "invalid mandatory information",
        97: "message type non-existent or not implemented", 98: "message not compatible with short message protocol state",
        99: "information element non-existent or not implemented", 111: "protocol error, unspecified",
        127: "interworking, unspecified",
        // 3GPP TS 23.040 §9.2.3.22 (TP-Failure-Cause).
        128: "telematic interworking not supported", 129: "short message type 0 not supported",
        130: "cannot replace short message", 143: "unspecified TP-PID error",
        144: "data coding scheme (alphabet) not supported", 145: "message class not supported",
        159: "unspecified TP-DCS error", 160: "command cannot be actioned", 161: "command unsupported",
        175: "unspecified TP-Command error", 176: "TPDU not supported", 192: "SC busy",
        193: "no SC subscription", 194: "SC system failure", 195: "invalid SME address",
        196: "destination SME barred", 197: "SM rejected - duplicate SM", 198: "TP-VPF not supported",
        199: "TP-VP not supported", 208: "SIM SMS storage full", 209: "no SMS storage capability in SIM",
        210: "error in MS", 211: "memory capacity exceeded", 212: "SIM application toolkit busy",
        213: "SIM data download error", 255: "unspecified error cause",
        // 3GPP TS 27.005 §3.2.5 (the terminal's own).
        300: "ME failure", 301: "SMS service of ME reserved", 302: "operation not allowed",
        303: "operation not supported", 304: "invalid PDU mode parameter", 305: "invalid text mode parameter",
        310: "SIM not inserted", 311: "SIM PIN required", 312: "PH-SIM PIN required", 313: "SIM failure",
        314: "SIM busy", 315: "SIM wrong", 316: "SIM PUK required", 317: "SIM PIN2 required",
        318: "SIM PUK2 required", 320: "memory failure", 321: "invalid memory index", 322: "memory full",
        330: "SMSC address unknown", 331: "no network service", 332: "network timeout",
        340: "no +CNMA acknowledgement expected", 500: "unknown error",
    ]
}

extension String {
    /// Without leading and trailing spaces and tabs (Foundation-free, for the parsers).
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }
}
