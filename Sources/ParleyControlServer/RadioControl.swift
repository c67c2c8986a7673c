import ParleyControl
import ParleyCore

/// What the control server asks of the radio channels (implemented by `parleyd`'s channel
/// set; tests use a stand-in). Results are wire types, so the server only encodes them.
public protocol RadioControl: Sendable {
    /// Every configured channel, in configuration order.
    func channels() async -> [ChannelStatusResult]
    /// Ask for the floor. `duration` ends the keying by itself (`parleyctl key --for`).
    func key(channel: String, keyer: Keyer, for duration: Duration?) async throws(RadioControlError) -> KeyResult
    /// Give up the floor; `force` ends whoever holds it (a supervisor's unkey).
    func unkey(channel: String, requester: String, force: Bool) async throws(RadioControlError) -> UnkeyResult
    /// Links the channel's next transmissions to an open incident (id or reference), or to
    /// none (nil); `by` is the operator's name, stored with the event.
    func attach(channel: String, incident: String?, by operatorName: String) async throws(RadioControlError) -> AttachResult
    /// The newest `limit` transmissions on the channel, newest first.
    func recall(channel: String, limit: Int) async throws(RadioControlError) -> RecallResult
    /// Plays a recorded transmission to the channel's playback device; returns when done.
    func play(transmission id: Int64) async throws(RadioControlError) -> RecallOutputResult
    /// Writes a recorded transmission as WAV to `path` (absolute, written by the daemon).
    func export(transmission id: Int64, to path: String) async throws(RadioControlError) -> RecallOutputResult
    /// Sends a text to a radio unit through a channel's TETRA terminal (`channel` nil: the
    /// only channel with one); returns when the terminal accepted it.
    func sendSDS(channel: String?, issi: Int64, text: String, by operatorName: String) async throws(RadioControlError) -> SDSSentResult
    /// An emergency was acknowledged: channels leave emergency mode when none is open.
    func emergenciesChanged() async
}
