/// What the network said about who is calling, from whichever source delivered it: an AT voice
/// modem's `DATE=`/`TIME=`/`NMBR=`/`NAME=` lines (ITU-T V.253) or an FSK burst decoded from line
/// audio (ETSI EN 300 659 / BT SIN227 V.23, Bell 202).
///
/// A number or name is either present or absent with a reason; both can be absent (no caller ID
/// at all) — that is not an error, the call is still taken.
public struct CallerID: Sendable, Hashable, Codable {
    /// Why a number or name was not delivered.
    public enum AbsenceReason: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// The caller withheld it ("P", private; 141 in the UK).
        case withheld
        /// The network could not deliver it ("O", out of area / unavailable, e.g. international).
        case unavailable
        public var description: String { rawValue }
    }

    /// Month, day, hour and minute as sent by the network (no year, no zone: it is the
    /// exchange's local time, kept exactly as received).
    public struct NetworkTime: Sendable, Hashable, Codable, CustomStringConvertible {
        public var month: Int
        public var day: Int
        public var hour: Int
        public var minute: Int
        public init(month: Int, day: Int, hour: Int, minute: Int) {
            self.month = month
            self.day = day
            self.hour = hour
            self.minute = minute
        }
        /// `MMDDHHMM`, the form both V.253 and the FSK formats carry.
        public var description: String {
            func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
            return two(month) + two(day) + two(hour) + two(minute)
        }
        /// Parses `MMDDHHMM` (or `MMDD` + `HHMM` joined); nil if not 8 digits in range.
        public init?(digits: String) {
            let values = Array(digits.utf8)
            guard values.count == 8, values.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            func pair(_ index: Int) -> Int { Int(values[index] - 0x30) * 10 + Int(values[index + 1] - 0x30) }
            let month = pair(0), day = pair(2), hour = pair(4), minute = pair(6)
            guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60 else { return nil }
            self.init(month: month, day: day, hour: hour, minute: minute)
        }
    }

    public var time: NetworkTime?
    /// The calling line's number (digits, possibly with a leading `+`), when delivered.
    public var number: String?
    public var numberAbsence: AbsenceReason?
    public var name: String?
    public var nameAbsence: AbsenceReason?

    public init(
        time: NetworkTime? = nil,
        number: String? = nil,
        numberAbsence: AbsenceReason? = nil,
        name: String? = nil,
        nameAbsence: AbsenceReason? = nil
    ) {
        self.time = time
        self.number = number
        self.numberAbsence = numberAbsence
        self.name = name
        self.nameAbsence = nameAbsence
    }

    /// What a dispatcher sees for the caller: the number, or why there is none.
    public var displayNumber: String {
        if let number { return number }
        if let numberAbsence { return numberAbsence.rawValue }
        return "unknown"
    }
}
