import Foundation

/// What happened, as a dotted name: `incident.opened`, `control.command`, `radio.transmission`.
public struct EventKind: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
}

/// Where an event came from: `channel:<id>`, `line:<id>`, `operator:<name>`, or `system`.
public struct EventSource: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public static let system = EventSource(rawValue: "system")
    public static func channel(_ id: String) -> EventSource { EventSource(rawValue: "channel:\(id)") }
    public static func line(_ id: String) -> EventSource { EventSource(rawValue: "line:\(id)") }
    public static func `operator`(_ name: String) -> EventSource { EventSource(rawValue: "operator:\(name)") }
}

/// An event a producer asks the store to record. It gets its sequence number, timestamp and
/// chain hash only when the writer commits it.
public struct EventDraft: Sendable, Hashable {
    public var priority: Priority
    public var kind: EventKind
    public var source: EventSource
    public var incidentID: Int64?
    public var payload: JSONValue

    public init(
        priority: Priority,
        kind: EventKind,
        source: EventSource,
        incidentID: Int64? = nil,
        payload: JSONValue = .object([:])
    ) {
        self.priority = priority
        self.kind = kind
        self.source = source
        self.incidentID = incidentID
        self.payload = payload
    }
}

/// An event as committed to the hash-chained log.
public struct StoredEvent: Sendable, Hashable, Codable {
    /// 1, 2, 3, … with no gaps.
    public var sequence: Int64
    /// UTC milliseconds since the Unix epoch, assigned at commit time.
    public var timestampMillis: Int64
    public var priority: Priority
    public var kind: EventKind
    public var source: EventSource
    public var incidentID: Int64?
    /// Canonical JSON text of the payload, exactly as hashed.
    public var payload: String
    /// Hex SHA-256 of the previous event (64 zeros for the first).
    public var previousHash: String
    /// Hex SHA-256 of this event's canonical content plus `previousHash`.
    public var hash: String

    public init(
        sequence: Int64, timestampMillis: Int64, priority: Priority, kind: EventKind, source: EventSource,
        incidentID: Int64?, payload: String, previousHash: String, hash: String
    ) {
        self.sequence = sequence
        self.timestampMillis = timestampMillis
        self.priority = priority
        self.kind = kind
        self.source = source
        self.incidentID = incidentID
        self.payload = payload
        self.previousHash = previousHash
        self.hash = hash
    }

    public var date: Date { Date(timeIntervalSince1970: Double(timestampMillis) / 1000) }
}
