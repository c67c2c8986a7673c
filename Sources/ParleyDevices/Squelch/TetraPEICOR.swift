/// Squelch (COR) from a TETRA terminal: open while another unit transmits on the channel's
/// call (`+CTXG` granted to another, until `+CDTXC` or the call's end), with the talker's
/// identity. The channel reads it as it reads a serial or CM108 COR line; the transitions also
/// come as ``PEIEvent/squelchOpened(callInstance:talker:emergency:)`` and
/// ``PEIEvent/squelchClosed(callInstance:)`` on the terminal's events.
public struct TetraPEICOR: Sendable {
    public let terminal: PEITerminal

    public init(terminal: PEITerminal) {
        self.terminal = terminal
    }

    /// The id the squelch knows this source by (`tetra-pei:/dev/ttyUSB0`).
    public var sourceID: String { "tetra-pei:\(terminal.path)" }

    /// True while a transmission is being received.
    public func isActive() -> Bool { terminal.squelch != nil }

    /// The talker while a transmission is being received.
    public var current: PEISquelch? { terminal.squelch }
}
