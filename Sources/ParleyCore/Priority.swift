/// How urgently a piece of traffic must be served.
///
/// Priority decides order of service (writer backlog, call queue, keying arbitration, what a
/// dispatcher hears first). It never decides whether something is stored: everything is stored.
/// Lower raw values are more urgent, so sorting ascending puts emergencies first.
public enum Priority: Int, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    /// Radio emergency alarm, 999 call, Grade 1 incident.
    case emergency = 0
    /// Urgent operational traffic (Grade 2, dispatcher keying).
    case priority = 1
    /// Ordinary traffic.
    case routine = 2
    /// Housekeeping: audit, configuration, status.
    case admin = 3

    public static func < (lhs: Priority, rhs: Priority) -> Bool {
        // "Less than" means "served before".
        lhs.rawValue < rhs.rawValue
    }

    public var name: String {
        switch self {
        case .emergency: "emergency"
        case .priority: "priority"
        case .routine: "routine"
        case .admin: "admin"
        }
    }

    public var description: String { name }

    public init?(name: String) {
        guard let match = Priority.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = match
    }
}
