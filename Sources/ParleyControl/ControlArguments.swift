import ParleyCore

/// The arguments of one command: read strictly from a request's `args`, written by clients.
public protocol ControlCommandArguments: Sendable, Hashable {
    static var command: ControlCommand { get }
    /// Reads every field this command takes; unread fields are refused afterwards.
    init(from reader: inout ControlArgumentReader) throws
    /// The `args` object a client sends.
    var json: [String: JSONValue] { get }
}

/// For commands that take no arguments.
public struct NoArguments<Tag: ControlCommandTag>: ControlCommandArguments {
    public static var command: ControlCommand { Tag.command }
    public init() {}
    public init(from reader: inout ControlArgumentReader) throws {}
    public var json: [String: JSONValue] { [:] }
}

/// Names a command for `NoArguments`.
public protocol ControlCommandTag: Sendable, Hashable {
    static var command: ControlCommand { get }
}

public enum StatusCommand: ControlCommandTag { public static var command: ControlCommand { .status } }
public enum ReloadCommand: ControlCommandTag { public static var command: ControlCommand { .reload } }

public typealias StatusArguments = NoArguments<StatusCommand>
public typealias ReloadArguments = NoArguments<ReloadCommand>

public struct HelloArguments: ControlCommandArguments {
    public static var command: ControlCommand { .hello }
    /// Free text naming the client (`parleyctl 1.0`), for the audit trail.
    public var client: String?

    public init(client: String? = nil) { self.client = client }

    public init(from reader: inout ControlArgumentReader) throws {
        client = try reader.string("client", maxBytes: 200)
    }

    public var json: [String: JSONValue] { client.map { ["client": .string($0)] } ?? [:] }
}

/// Which events to show; shared by `tail` and `events`. All given conditions must hold.
public struct ControlEventCriteria: Sendable, Hashable {
    /// `incident` matches `incident.opened`, `incident.graded`, …
    public var kind: String?
    /// `channel` matches `channel:north`, …
    public var source: String?
    /// At least this urgent.
    public var priority: Priority?

    public init(kind: String? = nil, source: String? = nil, priority: Priority? = nil) {
        self.kind = kind
        self.source = source
        self.priority = priority
    }

    init(from reader: inout ControlArgumentReader) throws {
        kind = try reader.string("kind", maxBytes: 128)
        source = try reader.string("source", maxBytes: 128)
        priority = try reader.priority("priority")
    }

    var json: [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        if let kind { out["kind"] = .string(kind) }
        if let source { out["source"] = .string(source) }
        if let priority { out["priority"] = .string(priority.name) }
        return out
    }
}

public struct TailArguments: ControlCommandArguments {
    public static var command: ControlCommand { .tail }
    /// Start after this sequence number; nil means from the end (only events committed from now on).
    public var afterSequence: Int64?
    public var criteria: ControlEventCriteria

    public init(afterSequence: Int64? = nil, criteria: ControlEventCriteria = ControlEventCriteria()) {
        self.afterSequence = afterSequence
        self.criteria = criteria
    }

    public init(from reader: inout ControlArgumentReader) throws {
        afterSequence = try reader.int("after_sequence", in: 0...Int64.max)
        let fromEnd = try reader.bool("from_end")
        if afterSequence != nil, fromEnd == true {
            throw ControlError.conflictingArguments(
                command: "tail", "give after_sequence or from_end, not both")
        }
        if afterSequence == nil, fromEnd == false {
            throw ControlError.conflictingArguments(
                command: "tail", "from_end false needs after_sequence (0 to start from the first event)")
        }
        criteria = try ControlEventCriteria(from: &reader)
    }

    public var json: [String: JSONValue] {
        var out = criteria.json
        if let afterSequence { out["after_sequence"] = .int(afterSequence) } else { out["from_end"] = true }
        return out
    }
}

public struct EventsArguments: ControlCommandArguments {
    public static var command: ControlCommand { .events }
    public static let defaultLimit: Int64 = 100
    public static let maxLimit: Int64 = 10000

    /// UTC ms; events at or after this.
    public var since: Int64?
    /// UTC ms; events before this.
    public var until: Int64?
    public var afterSequence: Int64?
    /// Incident id or reference.
    public var incident: String?
    public var criteria: ControlEventCriteria
    public var limit: Int64

    public init(
        since: Int64? = nil, until: Int64? = nil, afterSequence: Int64? = nil, incident: String? = nil,
        criteria: ControlEventCriteria = ControlEventCriteria(), limit: Int64 = EventsArguments.defaultLimit
    ) {
        self.since = since
        self.until = until
        self.afterSequence = afterSequence
        self.incident = incident
        self.criteria = criteria
        self.limit = limit
    }

    /// With `since` or `after_sequence`, the first `limit` events from there; otherwise the newest `limit`.
    public var oldestFirst: Bool { since != nil || afterSequence != nil }

    public init(from reader: inout ControlArgumentReader) throws {
        since = try reader.time("since")
        until = try reader.time("until")
        afterSequence = try reader.int("after_sequence", in: 0...Int64.max)
        incident = try reader.incident("incident")
        criteria = try ControlEventCriteria(from: &reader)
        limit = try reader.int("limit", in: 1...Self.maxLimit) ?? Self.defaultLimit
        if let since, let until, until <= since {
            throw ControlError.conflictingArguments(command: "events", "until must be later than since")
        }
    }

    public var json: [String: JSONValue] {
        var out = criteria.json
        if let since { out["since"] = .int(since) }
        if let until { out["until"] = .int(until) }
        if let afterSequence { out["after_sequence"] = .int(afterSequence) }
        if let incident { out["incident"] = .string(incident) }
        out["limit"] = .int(limit)
        return out
    }
}

public struct AuditArguments: ControlCommandArguments {
    public static var command: ControlCommand { .audit }
    public var limit: Int64

    public init(limit: Int64 = 50) { self.limit = limit }

    public init(from reader: inout ControlArgumentReader) throws {
        limit = try reader.int("limit", in: 1...10000) ?? 50
    }

    public var json: [String: JSONValue] { ["limit": .int(limit)] }
}

public struct VerifyArguments: ControlCommandArguments {
    public static var command: ControlCommand { .verify }
    /// A sequence number known to have been acknowledged; a log ending before it is reported truncated.
    public var expectedHead: Int64?

    public init(expectedHead: Int64? = nil) { self.expectedHead = expectedHead }

    public init(from reader: inout ControlArgumentReader) throws {
        expectedHead = try reader.int("expected_head", in: 0...Int64.max)
    }

    public var json: [String: JSONValue] { expectedHead.map { ["expected_head": .int($0)] } ?? [:] }
}

public struct IncidentsListArguments: ControlCommandArguments {
    public static var command: ControlCommand { .incidentsList }
    public var openOnly: Bool
    public var limit: Int64

    public init(openOnly: Bool = false, limit: Int64 = 50) {
        self.openOnly = openOnly
        self.limit = limit
    }

    public init(from reader: inout ControlArgumentReader) throws {
        openOnly = try reader.bool("open_only") ?? false
        limit = try reader.int("limit", in: 1...10000) ?? 50
    }

    public var json: [String: JSONValue] { ["open_only": .bool(openOnly), "limit": .int(limit)] }
}

public struct IncidentShowArguments: ControlCommandArguments {
    public static var command: ControlCommand { .incidentsShow }
    public var incident: String

    public init(incident: String) { self.incident = incident }

    public init(from reader: inout ControlArgumentReader) throws {
        incident = try reader.requiredIncident("incident")
    }

    public var json: [String: JSONValue] { ["incident": .string(incident)] }
}
