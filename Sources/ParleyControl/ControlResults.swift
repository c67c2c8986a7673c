import ParleyCore

// The `result` (and stream `data`) of each command, as the wire carries them. These are
// separate from the store's own types so that the protocol stays stable while the store
// changes, and so that clients need not link the store.

public struct HelloResult: Sendable, Hashable, Codable {
    public var protocolVersion: Int
    public var daemonVersion: String
    public var role: Role
    public var uid: UInt32
    public var gid: UInt32
    public var pid: Int32
    /// The name incident changes are recorded under (`alice`, or `uid:1001`).
    public var operatorName: String
    /// Commands this connection may run.
    public var commands: [String]

    public init(
        protocolVersion: Int = ControlProtocol.version, daemonVersion: String, role: Role, uid: UInt32, gid: UInt32,
        pid: Int32, operatorName: String, commands: [String]
    ) {
        self.protocolVersion = protocolVersion
        self.daemonVersion = daemonVersion
        self.role = role
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.operatorName = operatorName
        self.commands = commands
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", daemonVersion = "daemon_version", role, uid, gid, pid
        case operatorName = "operator", commands
    }
}

public struct StatusResult: Sendable, Hashable, Codable {
    public struct Writer: Sendable, Hashable, Codable {
        public var backlog: Int
        public var waitingProducers: Int
        public var committedEvents: Int64
        public var committedBatches: Int64
        public var failedBatches: Int64
        public var headSequence: Int64
        public var headHash: String
        /// Why the store refuses writes, while it does.
        public var refusing: String?

        public init(
            backlog: Int, waitingProducers: Int, committedEvents: Int64, committedBatches: Int64, failedBatches: Int64,
            headSequence: Int64, headHash: String, refusing: String?
        ) {
            self.backlog = backlog
            self.waitingProducers = waitingProducers
            self.committedEvents = committedEvents
            self.committedBatches = committedBatches
            self.failedBatches = failedBatches
            self.headSequence = headSequence
            self.headHash = headHash
            self.refusing = refusing
        }

        enum CodingKeys: String, CodingKey {
            case backlog, waitingProducers = "waiting_producers", committedEvents = "committed_events"
            case committedBatches = "committed_batches", failedBatches = "failed_batches"
            case headSequence = "head_sequence", headHash = "head_hash", refusing
        }
    }

    public struct Store: Sendable, Hashable, Codable {
        public var path: String
        public var events: Int64
        public var incidents: Int64
        public var openIncidents: Int64
        public var auditRows: Int64
        /// `full` or `normal`: the mode the store set on its writing connection and read back
        /// when it opened. Absent from daemons before it was reported.
        public var synchronous: String?

        public init(path: String, events: Int64, incidents: Int64, openIncidents: Int64, auditRows: Int64, synchronous: String? = nil) {
            self.path = path
            self.events = events
            self.incidents = incidents
            self.openIncidents = openIncidents
            self.auditRows = auditRows
            self.synchronous = synchronous
        }

        enum CodingKeys: String, CodingKey {
            case path, events, incidents, openIncidents = "open_incidents", auditRows = "audit_rows", synchronous
        }
    }

    public struct Control: Sendable, Hashable, Codable {
        public var socket: String
        public var connections: Int

        public init(socket: String, connections: Int) {
            self.socket = socket
            self.connections = connections
        }
    }

    /// The telephone lines at a glance (`parleyctl lines` has each one).
    public struct Lines: Sendable, Hashable, Codable {
        public var configured: Int
        public var down: Int
        /// Malformed input skipped across all lines since start-up (garbage and overlong
        /// lines from modems, unreadable caller-ID bursts, undecodable SMS PDUs).
        public var badInput: Int

        public init(configured: Int, down: Int, badInput: Int) {
            self.configured = configured
            self.down = down
            self.badInput = badInput
        }

        enum CodingKeys: String, CodingKey {
            case configured, down, badInput = "bad_input"
        }
    }

    /// Daemon-level facts (version, uptime, …) as the daemon reports them.
    public var daemon: JSONValue
    public var writer: Writer
    public var store: Store
    public var control: Control
    /// Absent when no telephone lines are configured.
    public var lines: Lines?

    public init(daemon: JSONValue, writer: Writer, store: Store, control: Control, lines: Lines? = nil) {
        self.daemon = daemon
        self.writer = writer
        self.store = store
        self.control = control
        self.lines = lines
    }
}

/// One committed event.
public struct ControlEvent: Sendable, Hashable, Codable {
    public var sequence: Int64
    /// ISO 8601 UTC with milliseconds.
    public var time: String
    public var timestampMillis: Int64
    /// `emergency`, `priority`, `routine` or `admin`.
    public var priority: String
    public var kind: String
    public var source: String
    public var incident: Int64?
    public var payload: JSONValue
    public var hash: String

    public init(
        sequence: Int64, time: String, timestampMillis: Int64, priority: String, kind: String, source: String,
        incident: Int64?, payload: JSONValue, hash: String
    ) {
        self.sequence = sequence
        self.time = time
        self.timestampMillis = timestampMillis
        self.priority = priority
        self.kind = kind
        self.source = source
        self.incident = incident
        self.payload = payload
        self.hash = hash
    }

    enum CodingKeys: String, CodingKey {
        case sequence, time, timestampMillis = "timestamp_ms", priority, kind, source, incident, payload, hash
    }
}

public struct EventsResult: Sendable, Hashable, Codable {
    public var events: [ControlEvent]
    /// True when `limit` cut the answer short.
    public var more: Bool

    public init(events: [ControlEvent], more: Bool) {
        self.events = events
        self.more = more
    }
}

/// The final response of `tail` (sent when the stream ends without an error).
public struct TailResult: Sendable, Hashable, Codable {
    /// The last sequence number the stream considered.
    public var lastSequence: Int64
    /// Why the stream ended.
    public var reason: String

    public init(lastSequence: Int64, reason: String) {
        self.lastSequence = lastSequence
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey { case lastSequence = "last_sequence", reason }
}

public struct ControlAuditEntry: Sendable, Hashable, Codable {
    public var id: Int64
    public var time: String
    public var uid: UInt32?
    public var gid: UInt32?
    public var pid: Int32?
    public var role: Role?
    public var command: String
    /// The request's arguments as canonical JSON text.
    public var arguments: String
    /// `ok`, `refused` or `error`.
    public var outcome: String
    public var detail: String

    public init(
        id: Int64, time: String, uid: UInt32?, gid: UInt32?, pid: Int32?, role: Role?, command: String,
        arguments: String, outcome: String, detail: String
    ) {
        self.id = id
        self.time = time
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.role = role
        self.command = command
        self.arguments = arguments
        self.outcome = outcome
        self.detail = detail
    }
}

public struct AuditResult: Sendable, Hashable, Codable {
    /// Oldest first.
    public var entries: [ControlAuditEntry]

    public init(entries: [ControlAuditEntry]) { self.entries = entries }
}

/// Stream data of `verify`.
public struct VerifyProgress: Sendable, Hashable, Codable {
    public var checked: Int64
    public var total: Int64

    public init(checked: Int64, total: Int64) {
        self.checked = checked
        self.total = total
    }
}

/// The result of `verify`.
public struct ControlChainReport: Sendable, Hashable, Codable {
    public var intact: Bool
    public var checked: Int64
    public var lastGoodSequence: Int64
    public var firstBadSequence: Int64?
    public var problem: String?

    public init(intact: Bool, checked: Int64, lastGoodSequence: Int64, firstBadSequence: Int64?, problem: String?) {
        self.intact = intact
        self.checked = checked
        self.lastGoodSequence = lastGoodSequence
        self.firstBadSequence = firstBadSequence
        self.problem = problem
    }

    enum CodingKeys: String, CodingKey {
        case intact, checked, lastGoodSequence = "last_good_sequence", firstBadSequence = "first_bad_sequence", problem
    }
}

public struct ControlIncident: Sendable, Hashable, Codable {
    public var id: Int64
    public var reference: String
    public var open: Bool
    public var openedAt: String
    public var openedBy: String
    public var channel: String
    public var openingCategory: String
    /// 1…4.
    public var grade: Int
    public var summary: String
    public var closedAt: String?
    public var closedBy: String?
    public var closingCategory: String?

    public init(
        id: Int64, reference: String, open: Bool, openedAt: String, openedBy: String, channel: String,
        openingCategory: String, grade: Int, summary: String, closedAt: String?, closedBy: String?,
        closingCategory: String?
    ) {
        self.id = id
        self.reference = reference
        self.open = open
        self.openedAt = openedAt
        self.openedBy = openedBy
        self.channel = channel
        self.openingCategory = openingCategory
        self.grade = grade
        self.summary = summary
        self.closedAt = closedAt
        self.closedBy = closedBy
        self.closingCategory = closingCategory
    }

    enum CodingKeys: String, CodingKey {
        case id, reference, open, openedAt = "opened_at", openedBy = "opened_by", channel
        case openingCategory = "opening_category", grade, summary, closedAt = "closed_at", closedBy = "closed_by"
        case closingCategory = "closing_category"
    }
}

public struct IncidentsListResult: Sendable, Hashable, Codable {
    public var incidents: [ControlIncident]

    public init(incidents: [ControlIncident]) { self.incidents = incidents }
}

public struct ControlIncidentDetail: Sendable, Hashable, Codable {
    public struct GradeChange: Sendable, Hashable, Codable {
        public var grade: Int
        public var time: String
        public var by: String
        public var reason: String

        public init(grade: Int, time: String, by: String, reason: String) {
            self.grade = grade
            self.time = time
            self.by = by
            self.reason = reason
        }
    }

    public struct Assessment: Sendable, Hashable, Codable {
        public var time: String
        public var by: String
        public var threat: String
        public var harm: String
        public var risk: String
        public var investigation: String
        public var vulnerability: String
        public var engagement: String

        public init(time: String, by: String, assessment: ThriveAssessment) {
            self.time = time
            self.by = by
            self.threat = assessment.threat
            self.harm = assessment.harm
            self.risk = assessment.risk
            self.investigation = assessment.investigation
            self.vulnerability = assessment.vulnerability
            self.engagement = assessment.engagement
        }
    }

    public var incident: ControlIncident
    public var grades: [GradeChange]
    public var assessments: [Assessment]
    public var eventCount: Int64
    /// The incident's events, oldest first (at most 1000).
    public var events: [ControlEvent]

    public init(
        incident: ControlIncident, grades: [GradeChange], assessments: [Assessment], eventCount: Int64,
        events: [ControlEvent]
    ) {
        self.incident = incident
        self.grades = grades
        self.assessments = assessments
        self.eventCount = eventCount
        self.events = events
    }

    enum CodingKeys: String, CodingKey { case incident, grades, assessments, eventCount = "event_count", events }
}

/// The result of every incident-changing command.
public struct IncidentChangeResult: Sendable, Hashable, Codable {
    public var incident: ControlIncident
    /// Sequence numbers of the events the change recorded.
    public var sequences: [Int64]

    public init(incident: ControlIncident, sequences: [Int64]) {
        self.incident = incident
        self.sequences = sequences
    }
}

public struct ReloadResult: Sendable, Hashable, Codable {
    public var message: String

    public init(message: String) { self.message = message }
}
