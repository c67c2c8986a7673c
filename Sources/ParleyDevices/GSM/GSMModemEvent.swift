/// What a GSM modem line reports to the telephony layer.
///
/// Each stored message is delivered as one `received` (or `undecodable`) event per PDU — one
/// part of a concatenated message at a time. The host stores each part, calls
/// ``GSMModem/committed(index:)`` once the store has it (only then is it deleted from the SIM),
/// and joins parts itself with an ``SMSReassembler`` (which it owns, so a part is never held only
/// in the driver's memory). The same message can be delivered more than once — after a crash
/// between store and delete, or after ``GSMModem/commitFailed(index:)`` — always with the same
/// ``ReceivedSMS/identity``, which the store uses as a unique key.
public enum GSMModemEvent: Sendable, Hashable {
    /// The modem is initialised and stored messages have been listed: the line works. Sent
    /// after every initialisation (start, reopen, reset).
    case ready
    /// A stored message (one PDU) was read; commit it, then call `committed(index:)`.
    case received(ReceivedSMS)
    /// A stored PDU could not be decoded. Store `pduHex` raw (its key:
    /// ``SMSMessageIdentity/of(pduHex:)``), then call `committed(index:)` so it is deleted.
    /// `pduHex` is the whole line as read (at most the AT parser's line limit); `reason` says
    /// which field lies.
    case undecodable(index: Int, pduHex: String, reason: String)
    /// Every part of a send was accepted by the network. `reference` is the first part's TP-MR.
    case sent(reference: Int, parts: Int, requestID: Int)
    /// A send failed; `reason` names the `+CMS ERROR` (3GPP TS 27.005 §3.2.5) or the timeout,
    /// and says whether the message may have gone out.
    case sendFailed(requestID: Int, reason: String)
    /// The modem or its serial device stopped working; reported once until `recovered`.
    case fault(String)
    /// The modem works again after a `fault` (followed by `ready`).
    case recovered
    /// A line the driver did not expect (an unsolicited result it does not handle, such as
    /// `+CREG`, `^RSSI` or `+CDSI`, a stray result, a refused optional set-up command): logged
    /// and skipped.
    case unexpected(String)
    /// Bytes the AT parser rejected (line noise, wrong baud rate, an overlong line).
    case malformed(ATMalformedInput)
}

/// One stored SMS PDU, read from the modem.
public struct ReceivedSMS: Sendable, Hashable {
    /// Where the message is stored (`+CMTI`/`+CMGL` index): pass it to `committed(index:)`.
    public var index: Int
    /// The PDU as read, upper-case hex, SMSC address first — what the store keeps raw.
    public var pduHex: String
    /// The decoded PDU: sender, timestamp, concatenation, body.
    public var deliver: SMSDeliver
    /// ``SMSMessageIdentity/of(pduHex:)``: SHA-256 of the PDU, 64 lower-case hex digits; the
    /// same for every delivery of this message, so the store can use it as a unique key.
    public var identity: String

    public init(index: Int, pduHex: String, deliver: SMSDeliver, identity: String) {
        self.index = index
        self.pduHex = pduHex
        self.deliver = deliver
        self.identity = identity
    }
}

/// What ``GSMModemStateMachine`` asks its adapter to do, in order.
public enum GSMModemAction: Sendable, Hashable {
    /// Write these bytes to the modem.
    case write([UInt8])
    /// Hand this event to the telephony layer.
    case emit(GSMModemEvent)
}
