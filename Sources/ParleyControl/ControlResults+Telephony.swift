import ParleyCore

// Results of the telephony commands (`lines`, `calls`, `answer`, `hold`, `hangup`, `transfer`,
// `text`, `calls.attach`), as the wire carries them.

/// One telephone line as `lines` reports it.
public struct LineStatusResult: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// What the line is for: `999`, `101`, `text-relay`, `direct-textphone`, `sms`, `admin`.
    public var service: String
    /// The priority its calls get: `emergency`, `priority`, `routine`, `admin`.
    public var priority: String
    /// `voice` (an AT voice modem) or `gsm` (a GSM modem for SMS).
    public var kind: String
    /// The device: `up`, `down` (with `reason`), or `starting`.
    public var state: String
    public var reason: String?
    /// The call on the line now, if any.
    public var call: Int64?
    /// Malformed input from the device skipped since the daemon started (garbage, overlong
    /// or cut lines): non-zero on a healthy line means a cable, baud rate or modem problem.
    public var badInput: Int
    /// The last malformed input, as hex (at most 64 bytes), when there was any.
    public var lastBadInput: String?

    public init(
        id: String, name: String, service: String, priority: String, kind: String, state: String, reason: String? = nil,
        call: Int64? = nil, badInput: Int = 0, lastBadInput: String? = nil
    ) {
        self.id = id
        self.name = name
        self.service = service
        self.priority = priority
        self.kind = kind
        self.state = state
        self.reason = reason
        self.call = call
        self.badInput = badInput
        self.lastBadInput = lastBadInput
    }

    enum CodingKeys: String, CodingKey {
        case id, name, service, priority, kind, state, reason, call, badInput = "bad_input", lastBadInput = "last_bad_input"
    }
}

public struct LinesResult: Sendable, Hashable, Codable {
    public var lines: [LineStatusResult]
    public init(lines: [LineStatusResult]) { self.lines = lines }
}

/// One call as `calls` and the call commands report it.
public struct CallSummaryResult: Sendable, Hashable, Codable {
    public var id: Int64
    /// The line's id.
    public var line: String
    /// The line's service (`999`, `101`, …).
    public var service: String
    /// `emergency`, `priority`, `routine` or `admin`.
    public var priority: String
    /// How the contact reached us, as an incident records it (`999`, `text-relay`, …).
    public var contactChannel: String
    /// The caller's number, when delivered.
    public var cli: String?
    /// Why there is no number: `withheld` or `unavailable`.
    public var cliAbsence: String?
    public var callerName: String?
    /// `queued`, `answered`, `held`, `transferring` or `ended`.
    public var state: String
    /// ISO 8601 UTC.
    public var queuedAt: String
    /// How long the call has waited; only while queued.
    public var waitingSeconds: Double?
    public var answeredBy: String?
    public var answeredAt: String?
    public var endedAt: String?
    /// `abandoned`, `caller_hung_up`, `hung_up`, `transferred`, `line_failed`.
    public var endReason: String?
    /// The reference of the incident the call is attached to.
    public var incident: String?
    /// For text calls: `tty45`, `tty50`, `v21`, `sms` or `relay`.
    public var textMedium: String?
    /// Text messages so far, both directions.
    public var messages: Int

    public init(
        id: Int64, line: String, service: String, priority: String, contactChannel: String, cli: String? = nil,
        cliAbsence: String? = nil, callerName: String? = nil, state: String, queuedAt: String,
        waitingSeconds: Double? = nil, answeredBy: String? = nil, answeredAt: String? = nil, endedAt: String? = nil,
        endReason: String? = nil, incident: String? = nil, textMedium: String? = nil, messages: Int = 0
    ) {
        self.id = id
        self.line = line
        self.service = service
        self.priority = priority
        self.contactChannel = contactChannel
        self.cli = cli
        self.cliAbsence = cliAbsence
        self.callerName = callerName
        self.state = state
        self.queuedAt = queuedAt
        self.waitingSeconds = waitingSeconds
        self.answeredBy = answeredBy
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.endReason = endReason
        self.incident = incident
        self.textMedium = textMedium
        self.messages = messages
    }

    enum CodingKeys: String, CodingKey {
        case id, line, service, priority, contactChannel = "contact_channel", cli, cliAbsence = "cli_absence"
        case callerName = "caller_name", state, queuedAt = "queued_at", waitingSeconds = "waiting_seconds"
        case answeredBy = "answered_by", answeredAt = "answered_at", endedAt = "ended_at", endReason = "end_reason"
        case incident, textMedium = "text_medium", messages
    }
}

/// The answer to `calls`.
public struct CallsResult: Sendable, Hashable, Codable {
    /// Queued calls in order of service: emergency first, then priority, then waiting time.
    public var queue: [CallSummaryResult]
    /// Calls being handled: answered, held, being transferred.
    public var active: [CallSummaryResult]

    public init(queue: [CallSummaryResult], active: [CallSummaryResult]) {
        self.queue = queue
        self.active = active
    }
}

/// The answer to `answer`, `hold`, `hangup` and `calls.attach`: the call as it is now.
public struct CallResult: Sendable, Hashable, Codable {
    public var call: CallSummaryResult
    /// The operator's call that answering this one put on hold, if any.
    public var preempted: Int64?

    public init(call: CallSummaryResult, preempted: Int64? = nil) {
        self.call = call
        self.preempted = preempted
    }
}

/// The answer to `transfer`: the handoff as stored.
public struct HandoffResult: Sendable, Hashable, Codable {
    public var handoff: Int64
    public var call: Int64
    /// `blind`, `attended`, `conference` or `relay`.
    public var type: String
    public var fromPerson: String
    public var fromAgency: String
    public var toPerson: String?
    public var toAgency: String
    /// The number dialled.
    public var number: String
    /// The caller's number, as passed on.
    public var cli: String?
    public var ownReference: String?
    public var partnerReference: String?
    /// `requested`, `connected`, `completed` or `failed` (see `detail`).
    public var outcome: String
    public var detail: String?

    public init(
        handoff: Int64, call: Int64, type: String, fromPerson: String, fromAgency: String, toPerson: String? = nil,
        toAgency: String, number: String, cli: String? = nil, ownReference: String? = nil,
        partnerReference: String? = nil, outcome: String, detail: String? = nil
    ) {
        self.handoff = handoff
        self.call = call
        self.type = type
        self.fromPerson = fromPerson
        self.fromAgency = fromAgency
        self.toPerson = toPerson
        self.toAgency = toAgency
        self.number = number
        self.cli = cli
        self.ownReference = ownReference
        self.partnerReference = partnerReference
        self.outcome = outcome
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case handoff, call, type, fromPerson = "from_person", fromAgency = "from_agency", toPerson = "to_person"
        case toAgency = "to_agency", number, cli, ownReference = "own_reference", partnerReference = "partner_reference"
        case outcome, detail
    }
}

/// The answer to `text`: the message as sent and stored.
public struct TextResult: Sendable, Hashable, Codable {
    public var call: Int64
    public var message: Int64
    /// `tty45`, `tty50`, `v21`, `sms` or `relay`.
    public var medium: String
    public var text: String
    /// ISO 8601 UTC.
    public var sentAt: String

    public init(call: Int64, message: Int64, medium: String, text: String, sentAt: String) {
        self.call = call
        self.message = message
        self.medium = medium
        self.text = text
        self.sentAt = sentAt
    }

    enum CodingKeys: String, CodingKey {
        case call, message, medium, text, sentAt = "sent_at"
    }
}
