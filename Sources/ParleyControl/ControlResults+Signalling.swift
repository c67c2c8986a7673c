import ParleyCore

// Results of the radio-signalling commands (`units`, `emergencies`, `ack`), as the wire
// carries them.

/// One radio unit and its latest status.
public struct UnitResult: Sendable, Hashable, Codable {
    /// The unit's ISSI.
    public var issi: Int64
    /// The channel (TETRA terminal) it was last heard on.
    public var channel: String
    /// The 16-bit status value.
    public var status: Int
    /// What the value means in the configured status list, when it is listed.
    public var meaning: String?
    /// When it was reported (UTC, ISO 8601 with milliseconds).
    public var at: String

    public init(issi: Int64, channel: String, status: Int, meaning: String? = nil, at: String) {
        self.issi = issi
        self.channel = channel
        self.status = status
        self.meaning = meaning
        self.at = at
    }
}

public struct UnitsResult: Sendable, Hashable, Codable {
    public var units: [UnitResult]
    public init(units: [UnitResult]) { self.units = units }
}

/// One emergency raised by a unit.
public struct EmergencyResult: Sendable, Hashable, Codable {
    public var id: Int64
    public var channel: String
    public var issi: Int64?
    /// `call`, `status` or `transmission`.
    public var source: String
    public var detail: String?
    public var raisedAt: String
    public var transmission: Int64?
    public var acknowledgedAt: String?
    public var acknowledgedBy: String?

    public init(
        id: Int64, channel: String, issi: Int64? = nil, source: String, detail: String? = nil, raisedAt: String,
        transmission: Int64? = nil, acknowledgedAt: String? = nil, acknowledgedBy: String? = nil
    ) {
        self.id = id
        self.channel = channel
        self.issi = issi
        self.source = source
        self.detail = detail
        self.raisedAt = raisedAt
        self.transmission = transmission
        self.acknowledgedAt = acknowledgedAt
        self.acknowledgedBy = acknowledgedBy
    }

    enum CodingKeys: String, CodingKey {
        case id, channel, issi, source, detail, raisedAt = "raised_at", transmission, acknowledgedAt = "acknowledged_at"
        case acknowledgedBy = "acknowledged_by"
    }
}

/// `emergencies`: the open ones, oldest first.
public struct EmergenciesResult: Sendable, Hashable, Codable {
    public var emergencies: [EmergencyResult]
    public init(emergencies: [EmergencyResult]) { self.emergencies = emergencies }
}

/// `ack`: the emergency as acknowledged.
public struct AckResult: Sendable, Hashable, Codable {
    public var emergency: EmergencyResult
    public init(emergency: EmergencyResult) { self.emergency = emergency }
}

/// `sds`: the text as sent and stored.
public struct SDSSentResult: Sendable, Hashable, Codable {
    /// The stored message's id.
    public var message: Int64
    public var channel: String
    public var issi: Int64
    public var text: String
    public var sentAt: String

    public init(message: Int64, channel: String, issi: Int64, text: String, sentAt: String) {
        self.message = message
        self.channel = channel
        self.issi = issi
        self.text = text
        self.sentAt = sentAt
    }

    enum CodingKeys: String, CodingKey {
        case message, channel, issi, text, sentAt = "sent_at"
    }
}
