/// The event kinds a radio channel records. Floor control and squelch actions map onto them
/// (`FloorControlAction.eventDraft(channel:)`, `SquelchStateMachine.Action.eventDraft(channel:)`).
extension EventKind {
    /// A keyer took the floor and the channel is (or is about to be) transmitting.
    public static let radioKey: EventKind = "radio.key"
    /// A keyer's transmission ended (released, `--for` elapsed, forced, device fault, shutdown).
    public static let radioUnkey: EventKind = "radio.unkey"
    /// A keyer lost the floor to a higher-priority request.
    public static let radioPreempted: EventKind = "radio.preempted"
    /// A key request was refused (floor held, channel receiving, channel down, shutting down).
    public static let radioKeyRefused: EventKind = "radio.key_refused"
    /// The transmit time-out timer is about to end a transmission.
    public static let radioTimeoutWarning: EventKind = "radio.tot_warning"
    /// The transmit time-out timer ended a transmission.
    public static let radioTimeout: EventKind = "radio.tot"
    /// A channel fault was raised (today: receive stuck open).
    public static let channelFault: EventKind = "channel.fault"
    /// A channel fault cleared.
    public static let channelFaultCleared: EventKind = "channel.fault_cleared"
}
