/// Outgoing messages waiting for `AT+CMGS`, first in first out, each split into its PDUs; the
/// state machine sends the current part and reports what the modem said. Pure value.
struct GSMSendQueue: Sendable {
    private struct Job: Sendable {
        var requestID: Int
        var parts: [SMSSubmitPDU]
        /// Parts the network accepted so far.
        var accepted = 0
        var firstReference: Int?
    }

    private var jobs: [Job] = []
    /// The concatenation reference of the next multi-part message (8-bit, TS 23.040 §9.2.3.24.1).
    private var nextReference: UInt8

    init(firstReference: UInt8) { nextReference = firstReference }

    var isEmpty: Bool { jobs.isEmpty }

    /// The part to send next.
    var currentPart: SMSSubmitPDU? { jobs.first.map { $0.parts[$0.accepted] } }

    /// Encodes `text` for `recipient`; returns `sendFailed` if it cannot be encoded.
    mutating func enqueue(_ text: String, to recipient: String, requestID: Int, serviceCentre: String?) -> GSMModemEvent? {
        do {
            var parts = try SMSSubmit.encode(text, to: recipient, reference: .eightBit(nextReference))
            if let serviceCentre {
                parts = try parts.map { (part) throws(SMSPDUError) in try part.withServiceCentre(serviceCentre) }
            }
            if parts.count > 1 { nextReference &+= 1 }
            jobs.append(Job(requestID: requestID, parts: parts))
            return nil
        } catch {
            return .sendFailed(requestID: requestID, reason: error.description)
        }
    }

    /// The network accepted the current part (`+CMGS: <mr>`, then OK); `sent` once it was the last.
    mutating func partAccepted(reference: Int?) -> GSMModemEvent? {
        guard var job = jobs.first else { return nil }
        job.accepted += 1
        job.firstReference = job.firstReference ?? reference
        guard job.accepted == job.parts.count else {
            jobs[0] = job
            return nil
        }
        jobs.removeFirst()
        return .sent(reference: job.firstReference ?? -1, parts: job.parts.count, requestID: job.requestID)
    }

    /// The current message failed (`reason` says why and whether the current part may have gone).
    mutating func failCurrent(_ reason: String) -> GSMModemEvent? {
        guard !jobs.isEmpty else { return nil }
        return Self.failure(jobs.removeFirst(), reason)
    }

    /// Every queued message failed (the modem is down).
    mutating func failAll(_ reason: String) -> [GSMModemEvent] {
        defer { jobs.removeAll() }
        return jobs.map { Self.failure($0, reason) }
    }

    private static func failure(_ job: Job, _ reason: String) -> GSMModemEvent {
        var text = reason
        if job.parts.count > 1 {
            text = "part \(job.accepted + 1) of \(job.parts.count): " + reason
            if job.accepted > 0 { text += " (parts 1 to \(job.accepted) were already sent)" }
        }
        return .sendFailed(requestID: job.requestID, reason: text)
    }
}
