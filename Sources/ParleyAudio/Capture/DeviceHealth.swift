/// Up/down bookkeeping for a device that is retried while it is missing, so that the log gets
/// one line per change of state, not one per retry.
struct DeviceHealth: Sendable, Hashable {
    enum State: Sendable, Hashable {
        case starting
        case up
        case down(reason: String)
    }

    enum Change: Sendable, Hashable {
        case cameUp
        case wentDown
    }

    private(set) var state: State = .starting

    /// The device opened. Returns `.cameUp` unless it was already up.
    mutating func opened() -> Change? {
        if state == .up { return nil }
        state = .up
        return .cameUp
    }

    /// Opening or transferring failed. Returns `.wentDown` only when the device was up or
    /// starting: a retry that fails again (even for another reason) is not a change.
    mutating func failed(reason: String) -> Change? {
        if case .down = state {
            state = .down(reason: reason)
            return nil
        }
        state = .down(reason: reason)
        return .wentDown
    }
}
