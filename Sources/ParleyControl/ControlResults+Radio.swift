import ParleyCore

// Results of the radio commands (`channels`, `key`, `unkey`, `recall`, `recall.play`,
// `recall.export`), as the wire carries them.

/// One channel as `channels` (and `status`) report it.
public struct ChannelStatusResult: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// Capture device state: `up`, `down` (with `reason`), or `starting`.
    public var capture: String
    /// Squelch open (a transmission is being received and recorded).
    public var receiving: Bool
    /// The transmitter: `none` (receive-only), `up`, or `down` (with `reason`).
    public var ptt: String
    /// Whoever holds the floor, if anyone.
    public var keyedBy: String?
    public var keyPriority: String?
    /// A channel fault (stuck squelch, device error), if one is raised.
    public var fault: String?
    public var reason: String?
    /// The incident the channel is attached to (its transmissions are linked to it).
    public var incident: String?
    /// Emergency mode: the oldest emergency a unit raised on the channel that no dispatcher
    /// has acknowledged yet (its id). While set, every transmission on the channel carries the
    /// emergency channel marker.
    public var emergency: Int64?

    public init(
        id: String, name: String, capture: String, receiving: Bool, ptt: String, keyedBy: String? = nil,
        keyPriority: String? = nil, fault: String? = nil, reason: String? = nil, incident: String? = nil, emergency: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.capture = capture
        self.receiving = receiving
        self.ptt = ptt
        self.keyedBy = keyedBy
        self.keyPriority = keyPriority
        self.fault = fault
        self.reason = reason
        self.incident = incident
        self.emergency = emergency
    }

    enum CodingKeys: String, CodingKey {
        case id, name, capture, receiving, ptt, keyedBy = "keyed_by", keyPriority = "key_priority", fault, reason, incident
        case emergency
    }
}

public struct ChannelsResult: Sendable, Hashable, Codable {
    public var channels: [ChannelStatusResult]
    public init(channels: [ChannelStatusResult]) { self.channels = channels }
}

/// The answer to `key`: keyed, or refused with the reason and who holds the floor.
public struct KeyResult: Sendable, Hashable, Codable {
    public var channel: String
    /// `keyed` or `refused`.
    public var outcome: String
    /// For `refused`: `floor_held`, `already_holding`, `channel_receiving`, `channel_down`,
    /// `no_transmitter`, `shutting_down`.
    public var reason: String?
    /// Who holds the floor now (the requester when keyed).
    public var holder: String?
    public var holderPriority: String?
    /// Someone pre-empted by this keying.
    public var preempted: String?
    /// Seconds the keying lasts when `seconds` was given.
    public var seconds: Double?

    public init(
        channel: String, outcome: String, reason: String? = nil, holder: String? = nil, holderPriority: String? = nil,
        preempted: String? = nil, seconds: Double? = nil
    ) {
        self.channel = channel
        self.outcome = outcome
        self.reason = reason
        self.holder = holder
        self.holderPriority = holderPriority
        self.preempted = preempted
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey {
        case channel, outcome, reason, holder, holderPriority = "holder_priority", preempted, seconds
    }
}

/// The answer to `unkey`.
public struct UnkeyResult: Sendable, Hashable, Codable {
    public var channel: String
    /// `unkeyed` or `refused` (the requester does not hold the floor; see `holder`).
    public var outcome: String
    public var holder: String?
    public var heldSeconds: Double?

    public init(channel: String, outcome: String, holder: String? = nil, heldSeconds: Double? = nil) {
        self.channel = channel
        self.outcome = outcome
        self.holder = holder
        self.heldSeconds = heldSeconds
    }

    enum CodingKeys: String, CodingKey {
        case channel, outcome, holder, heldSeconds = "held_seconds"
    }
}

/// One transmission as `recall` lists it.
public struct TransmissionResult: Sendable, Hashable, Codable {
    public var id: Int64
    public var channel: String
    /// UTC milliseconds.
    public var startedAt: Int64
    public var endedAt: Int64?
    public var durationMS: Int64?
    /// `rx` or `tx`.
    public var direction: String
    public var transmittedBy: String?
    public var talkerID: String?
    public var emergency: Bool
    public var peakDBFS: Double?
    public var rmsDBFS: Double?
    public var file: String
    public var sha256: String?
    public var incidentID: Int64?
    /// `recording`, `complete` or `interrupted`.
    public var status: String

    public init(
        id: Int64, channel: String, startedAt: Int64, endedAt: Int64?, durationMS: Int64?, direction: String,
        transmittedBy: String?, talkerID: String?, emergency: Bool, peakDBFS: Double?, rmsDBFS: Double?, file: String,
        sha256: String?, incidentID: Int64?, status: String
    ) {
        self.id = id
        self.channel = channel
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.durationMS = durationMS
        self.direction = direction
        self.transmittedBy = transmittedBy
        self.talkerID = talkerID
        self.emergency = emergency
        self.peakDBFS = peakDBFS
        self.rmsDBFS = rmsDBFS
        self.file = file
        self.sha256 = sha256
        self.incidentID = incidentID
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case id, channel, startedAt = "started_at", endedAt = "ended_at", durationMS = "duration_ms", direction
        case transmittedBy = "transmitted_by", talkerID = "talker_id", emergency, peakDBFS = "peak_dbfs"
        case rmsDBFS = "rms_dbfs", file, sha256, incidentID = "incident_id", status
    }
}

public struct RecallResult: Sendable, Hashable, Codable {
    public var channel: String
    /// Newest first.
    public var transmissions: [TransmissionResult]
    public init(channel: String, transmissions: [TransmissionResult]) {
        self.channel = channel
        self.transmissions = transmissions
    }
}

/// The answer to `recall.play` and `recall.export`.
public struct RecallOutputResult: Sendable, Hashable, Codable {
    public var id: Int64
    /// `played` or `exported`.
    public var outcome: String
    /// The playback device, or the WAV file written.
    public var target: String
    public var durationMS: Int64
    public init(id: Int64, outcome: String, target: String, durationMS: Int64) {
        self.id = id
        self.outcome = outcome
        self.target = target
        self.durationMS = durationMS
    }

    enum CodingKeys: String, CodingKey {
        case id, outcome, target, durationMS = "duration_ms"
    }
}

/// The answer to `channels.attach`.
public struct AttachResult: Sendable, Hashable, Codable {
    public var channel: String
    /// The incident reference now attached, or nil after detaching.
    public var incident: String?
    /// The one it replaced, if any.
    public var previous: String?

    public init(channel: String, incident: String?, previous: String?) {
        self.channel = channel
        self.incident = incident
        self.previous = previous
    }
}
