/// Police response grade (National Contact Management Principles).
public enum Grade: Int, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Grade 1: emergency response.
    case emergency = 1
    /// Grade 2: priority response.
    case priority = 2
    /// Grade 3: scheduled response.
    case scheduled = 3
    /// Grade 4: resolution without deployment.
    case resolutionWithoutDeployment = 4

    /// `G1` … `G4`.
    public var code: String { "G\(rawValue)" }

    public var description: String {
        switch self {
        case .emergency: "G1 emergency"
        case .priority: "G2 priority"
        case .scheduled: "G3 scheduled"
        case .resolutionWithoutDeployment: "G4 resolution without deployment"
        }
    }

    /// The event priority that traffic about an incident of this grade carries.
    public var eventPriority: Priority {
        switch self {
        case .emergency: .emergency
        case .priority: .priority
        case .scheduled, .resolutionWithoutDeployment: .routine
        }
    }

    /// Accepts `1`, `G1`, `g1`, `emergency`, `priority`, `scheduled`, `rwd`.
    public init?(text: String) {
        let lowered = text.lowercased()
        switch lowered {
        case "1", "g1", "emergency": self = .emergency
        case "2", "g2", "priority": self = .priority
        case "3", "g3", "scheduled": self = .scheduled
        case "4", "g4", "rwd", "resolution-without-deployment": self = .resolutionWithoutDeployment
        default: return nil
        }
    }
}

/// How the contact that opened an incident reached the control room.
public enum ContactChannel: String, Sendable, Hashable, Codable, CaseIterable {
    case emergency999 = "999"
    case nonEmergency101 = "101"
    case textRelay = "text-relay"
    case directTextphone = "direct-textphone"
    case sms
    case radio
    case other
}

/// One THRIVE assessment: Threat, Harm, Risk, Investigation, Vulnerability, Engagement.
public struct ThriveAssessment: Sendable, Hashable, Codable {
    public var threat: String
    public var harm: String
    public var risk: String
    public var investigation: String
    public var vulnerability: String
    public var engagement: String

    public init(threat: String, harm: String, risk: String, investigation: String, vulnerability: String, engagement: String) {
        self.threat = threat
        self.harm = harm
        self.risk = risk
        self.investigation = investigation
        self.vulnerability = vulnerability
        self.engagement = engagement
    }
}

/// Who may do what over the control socket.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// status, tail, query, verify.
    case engineer
    /// engineer + incident commands (and later key, answer, transfer, text).
    case dispatcher
    /// dispatcher + reload.
    case admin

    private var rank: Int {
        switch self {
        case .engineer: 0
        case .dispatcher: 1
        case .admin: 2
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}
