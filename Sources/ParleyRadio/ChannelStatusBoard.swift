import ParleyControl
import Synchronization

/// A channel's current state as `parleyctl channels` shows it, updated by the receiver and
/// the transmitter, read by the control socket.
final class ChannelStatusBoard: Sendable {
    private let state: Mutex<ChannelStatusResult>
    private let attached = Mutex<(id: Int64, reference: String)?>(nil)

    /// The incident new transmissions are linked to.
    var incidentID: Int64? { attached.withLock { $0?.id } }

    /// Attaches (or with nil detaches); returns the reference it replaced.
    func attach(_ incident: (id: Int64, reference: String)?) -> String? {
        let previous = attached.withLock { current in
            defer { current = incident }
            return current?.reference
        }
        state.withLock { $0.incident = incident?.reference }
        return previous
    }

    init(id: String, name: String, hasTransmitter: Bool) {
        state = Mutex(ChannelStatusResult(id: id, name: name, capture: "starting", receiving: false, ptt: hasTransmitter ? "starting" : "none"))
    }

    var snapshot: ChannelStatusResult { state.withLock { $0 } }

    func update(_ change: (inout ChannelStatusResult) -> Void) {
        state.withLock { change(&$0) }
    }
}
