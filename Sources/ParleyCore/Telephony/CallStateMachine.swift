/// Where a call is in its life.
public enum CallState: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Ringing or waiting in the queue.
    case queued
    /// A dispatcher is on the call.
    case answered
    /// Answered, then put on hold: the caller stays connected.
    case held
    /// Being handed on (hook flash and dial); ends the call when the handoff completes.
    case transferring
    case ended

    public var description: String { rawValue }
}

/// Why a call ended.
public enum CallEndReason: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The caller rang off before anyone answered.
    case abandoned
    /// The caller rang off after the call was answered.
    case callerHungUp = "caller_hung_up"
    /// A dispatcher ended it.
    case hungUp = "hung_up"
    /// Handed on to another person or agency.
    case transferred
    /// The line's device failed during the call.
    case lineFailed = "line_failed"

    public var description: String { rawValue }
}

/// One call's lifecycle as a value-type state machine: inputs from dispatchers (answer, hold,
/// hang up, transfer) and from the line (caller hung up, transfer connected or failed), each
/// answered by the change it makes or a refusal a dispatcher can read.
///
/// Transfers: a blind transfer ends the call when the line confirms it (`transferCompleted`);
/// attended, conference and relay transfers keep the dispatcher on the call until they hang up,
/// which completes the handoff. A failed transfer returns the call to its dispatcher.
public struct CallStateMachine: Sendable, Hashable {
    public enum Input: Sendable, Hashable {
        case answer(by: String)
        case hold(by: String)
        case hangUp(by: String)
        case transfer(by: String, blind: Bool)
        case transferCompleted
        case transferFailed
        case callerHungUp
        case lineFailed
    }

    public enum Action: Sendable, Hashable {
        /// The call moved; `endReason` is set when it ended.
        case changed(from: CallState, to: CallState, endReason: CallEndReason?)
        /// The input does not apply to the call as it is; the text says why.
        case refused(String)
        /// A line report that no longer matters (e.g. a late hang-up after the call ended).
        case ignored
    }

    public let callID: Int64
    public private(set) var state: CallState = .queued
    /// The dispatcher who answered (or last resumed) the call.
    public private(set) var handler: String?
    public private(set) var endReason: CallEndReason?
    private var blindTransfer = false

    public init(callID: Int64) {
        self.callID = callID
    }

    /// Rebuilds a machine for a call read back from the store.
    public init(callID: Int64, state: CallState, handler: String?) {
        self.callID = callID
        self.state = state == .transferring ? .answered : state
        self.handler = handler
    }

    public mutating func handle(_ input: Input) -> Action {
        let before = state
        switch (input, state) {
        case (_, .ended) where input.isFromLine:
            return .ignored
        case (_, .ended):
            return .refused("call \(callID) has ended")

        case (.answer(let person), .queued), (.answer(let person), .held):
            handler = person
            return move(from: before, to: .answered)
        case (.answer, .answered):
            return .refused("call \(callID) is already answered by \(handler ?? "another dispatcher")")
        case (.answer, .transferring):
            return .refused("call \(callID) is being transferred by \(handler ?? "another dispatcher")")

        case (.hold, .answered):
            return move(from: before, to: .held)
        case (.hold, _):
            return .refused("call \(callID) is \(state.rawValue); only an answered call can be held")

        case (.transfer(_, let blind), .answered), (.transfer(_, let blind), .held):
            blindTransfer = blind
            return move(from: before, to: .transferring)
        case (.transfer, .queued):
            return .refused("call \(callID) is still queued; answer it before transferring it")
        case (.transfer, .transferring):
            return .refused("call \(callID) is already being transferred")

        case (.hangUp, .transferring) where !blindTransfer:
            // The dispatcher leaves an attended, conference or relay handoff: it is complete.
            return end(from: before, .transferred)
        case (.hangUp, _):
            return end(from: before, .hungUp)

        case (.transferCompleted, .transferring):
            return end(from: before, .transferred)
        case (.transferFailed, .transferring):
            return move(from: before, to: .answered)
        case (.transferCompleted, _), (.transferFailed, _):
            return .ignored

        case (.callerHungUp, .queued):
            return end(from: before, .abandoned)
        case (.callerHungUp, _):
            return end(from: before, .callerHungUp)
        case (.lineFailed, _):
            return end(from: before, .lineFailed)
        }
    }

    private mutating func move(from before: CallState, to after: CallState) -> Action {
        state = after
        return .changed(from: before, to: after, endReason: nil)
    }

    private mutating func end(from before: CallState, _ reason: CallEndReason) -> Action {
        state = .ended
        endReason = reason
        return .changed(from: before, to: .ended, endReason: reason)
    }
}

extension CallStateMachine.Input {
    /// Reports from the line (as opposed to a dispatcher's requests).
    var isFromLine: Bool {
        switch self {
        case .transferCompleted, .transferFailed, .callerHungUp, .lineFailed: true
        case .answer, .hold, .hangUp, .transfer: false
        }
    }
}
