import ParleyControl
import ParleyCore

/// What the control server asks of the telephony side — lines, the call queue, handoffs and
/// deaf-text replies (implemented by the switchboard in ParleyTelephony; tests use a stand-in).
/// Results are wire types, so the server only encodes them. `by` is the operator's name; the
/// switchboard stores it with the events it writes.
public protocol TelephonyControl: Sendable {
    /// Every configured line, in configuration order.
    func lines() async -> [LineStatusResult]
    /// The queue in order of service (emergency first, then priority, then waiting time) and
    /// the calls being handled (answered, held, being transferred).
    func calls() async -> CallsResult
    /// Answers `call`, or the head of the queue when nil; answering a held call resumes it.
    func answer(call: Int64?, by operatorName: String) async throws(TelephonyControlError) -> CallResult
    /// Puts an answered call on hold (the caller stays connected; the call leaves the dispatcher).
    func hold(call: Int64, by operatorName: String) async throws(TelephonyControlError) -> CallResult
    /// Ends a call from our side.
    func hangUp(call: Int64, by operatorName: String) async throws(TelephonyControlError) -> CallResult
    /// Hands the call on (blind, attended, conference or relay); the handoff is a row and an event.
    func transfer(call: Int64, _ request: TransferRequest, by operatorName: String) async throws(TelephonyControlError)
        -> HandoffResult
    /// Sends a deaf-text message on the call's medium (TTY, V.21 or SMS) and stores it.
    func sendText(call: Int64, text: String, by operatorName: String) async throws(TelephonyControlError) -> TextResult
    /// Links the call (and its messages and recording) to an open incident, or unlinks it (nil).
    func attach(call: Int64, incident: String?, by operatorName: String) async throws(TelephonyControlError) -> CallResult
}
