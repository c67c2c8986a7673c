import ParleyCore

/// One caller-ID line a voice modem reports around the rings after `AT+VCID=1` (formatted
/// caller ID, ITU-T V.253): `DATE=MMDD`, `TIME=HHMM`, `NMBR=<number>`, `NAME=<name>`, or
/// `MESG=<hex>` (a message the modem could not format). Spaces around `=` are allowed
/// (`NMBR = 01632960123`). A number or name of `P` means withheld by the caller, `O`
/// unavailable (out of area, international).
public enum VoiceModemCallerIDLine: Sendable, Hashable {
    case date(String)
    case time(String)
    case number(String)
    case name(String)
    case message(String)

    /// Parses a caller-ID line; nil for any other line.
    public init?(_ line: String) {
        guard let equals = line.firstIndex(of: "=") else { return nil }
        let key = String(line[..<equals]).trimmingSpaces
        let value = String(line[line.index(after: equals)...]).trimmingSpaces
        switch key {
        case "DATE": self = .date(value)
        case "TIME": self = .time(value)
        case "NMBR": self = .number(value)
        case "NAME": self = .name(value)
        case "MESG": self = .message(value)
        default: return nil
        }
    }
}

/// Gathers the caller-ID lines of one incoming call into a ``CallerID``.
///
/// `DATE` and `TIME` are joined into the network time once both are in (or `DATE` alone when a
/// modem sends all eight digits there). A later line of the same kind replaces the earlier one,
/// so a modem that repeats the block before the next ring gives the same value.
public struct VoiceModemCallerIDCollector: Sendable, Hashable {
    public private(set) var callerID = CallerID()
    /// True once any field has been taken in.
    public private(set) var hasFields = false
    private var date: String?
    private var time: String?

    public init() {}

    /// Takes in one line. Returns false if its value is unreadable (a date or time that is not
    /// four digits in range); the field is then left as it was.
    @discardableResult
    public mutating func add(_ line: VoiceModemCallerIDLine) -> Bool {
        switch line {
        case .date(let value):
            // MMDD (checked with a dummy time), or all of MMDDHHMM.
            guard CallerID.NetworkTime(digits: value + "0000") != nil || CallerID.NetworkTime(digits: value) != nil
            else { return false }
            date = value
        case .time(let value):
            guard CallerID.NetworkTime(digits: "0101" + value) != nil else { return false }
            time = value
        case .number(let value):
            let (present, absence) = Self.presence(value)
            callerID.number = present
            callerID.numberAbsence = absence
        case .name(let value):
            let (present, absence) = Self.presence(value)
            callerID.name = present
            callerID.nameAbsence = absence
        case .message:
            return true  // Unformatted data: nothing to take in, but not an error.
        }
        hasFields = true
        if let date, date.utf8.count == 8 {
            callerID.time = CallerID.NetworkTime(digits: date)
        } else if let date, let time {
            callerID.time = CallerID.NetworkTime(digits: date + time)
        }
        return true
    }

    /// `P` → withheld, `O` → unavailable, empty → neither, anything else → the value.
    private static func presence(_ value: String) -> (String?, CallerID.AbsenceReason?) {
        switch value {
        case "P": (nil, .withheld)
        case "O": (nil, .unavailable)
        case "": (nil, nil)
        default: (value, nil)
        }
    }
}
