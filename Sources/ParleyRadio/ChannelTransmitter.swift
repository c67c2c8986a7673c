import Logging
import ParleyConfig
import ParleyControl
import ParleyCore
import ParleyDevices
import ParleyStore

/// A channel's transmit side: floor control (who may key, pre-emption, time-out) performed on
/// the PTT driver, with every outcome stored as an event.
///
/// The PTT line is dropped on every path out: unkey, time-out, a device error (the driver is
/// closed and reopened), and shutdown (`shutdown()` always ends with an unkey). SIGKILL is
/// covered by the kernel (closing a tty drops RTS/DTR) and `parleyd --release-ptt`.
actor ChannelTransmitter<C: Clock> where C.Duration == Duration {
    /// How the driver is opened (tests pass a stand-in).
    typealias OpenDriver = @Sendable () throws(DeviceError) -> any PTTDriver

    private let channelID: String
    private let clock: C
    private let writer: EventWriter
    private let status: ChannelStatusBoard
    private let logger: Logger
    private let openDriver: OpenDriver?
    private let describeDevice: String
    private let audio: (@Sendable (TransmitAudioCommand) -> Void)?
    private var floor: FloorControlStateMachine<C.Instant>
    private var driver: (any PTTDriver)?
    /// Why the PTT device is down, while it is (one log line and event per change).
    private var downReason: String?
    private var nextRetry: C.Instant?
    private let retryDelay: Duration
    private var isShutDown = false

    init(
        channel: ParleyConfiguration.Channel, clock: C, writer: EventWriter, status: ChannelStatusBoard, logger: Logger,
        openDriver: OpenDriver?, retryDelay: Duration = .seconds(1),
        audio: (@Sendable (TransmitAudioCommand) -> Void)? = nil
    ) {
        channelID = channel.id
        self.clock = clock
        self.writer = writer
        self.status = status
        self.logger = logger
        self.openDriver = openDriver
        self.retryDelay = retryDelay
        self.audio = audio
        describeDevice = channel.ptt.map(ChannelDevices.describe) ?? channel.tetra.map { "tetra-pei \($0.device)" } ?? "none"
        floor = FloorControlStateMachine(configuration: channel.keying)
    }

    /// Opens the driver and resets the line; a missing device leaves the channel down and
    /// retried every `retryDelay`.
    func start() async {
        guard openDriver != nil else { return }
        await tryOpen()
    }

    // MARK: Requests

    func key(_ keyer: Keyer, for duration: Duration?) async -> KeyResult {
        guard openDriver != nil else {
            await record(FloorControlAction.refused(keyer, reason: .channelDown).eventDraft(channel: channelID))
            return KeyResult(channel: channelID, outcome: "refused", reason: "no_transmitter")
        }
        let actions = floor.request(keyer, for: duration, at: clock.now)
        await perform(actions)
        var result = KeyResult(channel: channelID, outcome: "refused", holder: floor.holder?.id, holderPriority: floor.holder?.priority.name)
        for action in actions {
            switch action {
            case .keyed(let who, let keyedFor) where who == keyer:
                result.outcome = "keyed"
                result.seconds = keyedFor.map(\.inSeconds)
            case .preempted(let loser, _, _):
                result.preempted = loser.id
            case .refused(let who, let reason) where who == keyer:
                result.reason = reason.name
            default:
                break
            }
        }
        if result.outcome == "keyed", floor.holder != keyer {
            // A device error while keying dropped it again at once.
            result.outcome = "refused"
            result.reason = KeyRefusal.channelDown.name
        }
        return result
    }

    func unkey(requester: String, force: Bool) async -> UnkeyResult {
        let actions = floor.release(by: requester, force: force, at: clock.now)
        await perform(actions)
        for action in actions {
            switch action {
            case .unkeyed(let keyer, _, let heldFor):
                return UnkeyResult(channel: channelID, outcome: "unkeyed", holder: keyer.id, heldSeconds: heldFor.inSeconds)
            case .unkeyRefused(_, let holder):
                return UnkeyResult(channel: channelID, outcome: "refused", holder: holder?.id)
            default:
                continue
            }
        }
        return UnkeyResult(channel: channelID, outcome: "refused", holder: floor.holder?.id)
    }

    func receivingChanged(_ receiving: Bool) {
        floor.receivingChanged(receiving)
    }

    /// Time passes: timers (TX delay, tail, `--for`, time-out) and device retries.
    func tick() async {
        guard !isShutDown else { return }
        let now = clock.now
        if let due = floor.nextDeadline, due <= now {
            await perform(floor.tick(at: now))
        }
        if driver == nil, openDriver != nil, let retry = nextRetry, retry <= now {
            await tryOpen()
        }
    }

    /// Ends any keying and drops the line; later requests are refused.
    func shutdown() async {
        guard !isShutDown else { return }
        await perform(floor.shutdown(at: clock.now))
        isShutDown = true
        if let driver {
            await driver.close()
            self.driver = nil
        }
    }

    // MARK: Performing actions

    /// Line and audio actions run at once, in order; the outcome events are stored after them,
    /// so dropping PTT never waits for a store commit.
    private func perform(_ actions: [FloorControlAction]) async {
        var pending = actions[...]
        var outcomes: [EventDraft] = []
        while let action = pending.popFirst() {
            switch action {
            case .keyLine:
                // A TETRA terminal's transmit demand carries the keying's priority (low,
                // high, emergency); other lines are just keyed.
                let priority = floor.holder.map { PEITransmitPriority($0.priority) }
                if let failure = await lineOperation({ driver throws(DeviceError) in
                    if let terminal = driver as? TetraPEIPTT, let priority {
                        try terminal.key(priority: priority)
                    } else {
                        try await driver.key()
                    }
                }) {
                    pending.append(contentsOf: await deviceFailed(failure))
                } else {
                    status.update { $0.ptt = "keyed" }
                }
            case .unkeyLine:
                if let failure = await lineOperation({ driver throws(DeviceError) in try await driver.unkey() }) {
                    pending.append(contentsOf: await deviceFailed(failure))
                } else if downReason == nil {
                    status.update { $0.ptt = "up" }
                }
            case .startAudio(let keyer):
                audio?(.start(keyer))
            case .stopAudio:
                audio?(.stop)
            case .keyed(let keyer, _):
                status.update {
                    $0.keyedBy = keyer.id
                    $0.keyPriority = keyer.priority.name
                }
                outcomes.append(contentsOf: [action.eventDraft(channel: channelID)].compactMap { $0 })
            case .unkeyed, .preempted, .timedOut:
                if let holder = floor.holder {
                    status.update {
                        $0.keyedBy = holder.id
                        $0.keyPriority = holder.priority.name
                    }
                } else {
                    status.update {
                        $0.keyedBy = nil
                        $0.keyPriority = nil
                    }
                }
                outcomes.append(contentsOf: [action.eventDraft(channel: channelID)].compactMap { $0 })
            case .refused, .timeoutWarning:
                outcomes.append(contentsOf: [action.eventDraft(channel: channelID)].compactMap { $0 })
            case .unkeyRefused:
                break
            }
        }
        for draft in outcomes { await recordAudited(draft) }
    }

    /// A floor-control outcome: its event, and an audit row in the same transaction (the
    /// control command that caused it has its own row; a time-out or pre-emption has only this).
    private func recordAudited(_ draft: EventDraft) async {
        let entry = AuditEntry(
            peerUID: nil, peerGID: nil, peerPID: nil, role: nil, command: draft.kind.rawValue,
            arguments: draft.payload.canonicalString, outcome: draft.kind == .radioKeyRefused ? .refused : .ok,
            detail: "channel \(channelID)")
        do {
            _ = try await writer.perform(priority: draft.priority) { db, batch in
                try entry.insert(db, at: batch.timestampMillis)
                return ((), [draft])
            }
        } catch {
            logger.error(
                "Cannot store keying event", metadata: ["channel.id": "\(channelID)", "event.kind": "\(draft.kind)", "store.error": "\(error)"])
        }
    }

    /// The device dropped PTT by itself (a TETRA terminal that stopped answering, a refused
    /// key-up): the same as a failed line operation — floor control ends the keying, a fault
    /// is raised, and the driver is reopened from the next tick.
    func lineLost(_ reason: String) async {
        guard driver != nil else { return }
        await perform(await deviceFailed(DeviceError.invalidState(path: describeDevice, reason)))
    }

    /// Runs a line operation; returns the error, or nil on success (or with no driver open).
    private func lineOperation(_ operation: (any PTTDriver) async throws(DeviceError) -> Void) async -> DeviceError? {
        guard let driver else { return nil }
        do {
            try await operation(driver)
            return nil
        } catch {
            return error
        }
    }

    /// The driver failed: close it (which drops the line where the device still listens),
    /// tell floor control, raise a fault, and retry opening from the next tick.
    private func deviceFailed(_ error: DeviceError) async -> [FloorControlAction] {
        if let driver {
            await driver.close()
            self.driver = nil
        }
        nextRetry = clock.now.advanced(by: retryDelay)
        await wentDown("\(error)")
        return floor.deviceAvailabilityChanged(up: false, at: clock.now)
    }

    private func tryOpen() async {
        guard let openDriver else { return }
        do {
            let opened = try openDriver()
            // Whatever state the line was left in (a crash, another program), start unkeyed.
            try await opened.releaseAll()
            driver = opened
            nextRetry = nil
            if let previous = downReason {
                downReason = nil
                logger.notice("PTT device back", metadata: ["channel.id": "\(channelID)", "ptt.device": "\(describeDevice)"])
                await record(EventDraft(
                    priority: .priority, kind: .channelFaultCleared, source: .channel(channelID),
                    payload: ["reason": "ptt_down", "was": .string(previous)]))
            }
            status.update {
                $0.ptt = "up"
                $0.reason = nil
            }
            await perform(floor.deviceAvailabilityChanged(up: true, at: clock.now))
        } catch {
            nextRetry = clock.now.advanced(by: retryDelay)
            await wentDown("\(error)")
            await perform(floor.deviceAvailabilityChanged(up: false, at: clock.now))
        }
    }

    private func wentDown(_ reason: String) async {
        status.update {
            $0.ptt = "down"
            $0.reason = reason
        }
        guard downReason == nil else { return }
        downReason = reason
        logger.error(
            "PTT device down; keying refused until it is back (retrying every second)",
            metadata: ["channel.id": "\(channelID)", "ptt.device": "\(describeDevice)", "ptt.error": "\(reason)"])
        await record(EventDraft(
            priority: .priority, kind: .channelFault, source: .channel(channelID),
            payload: ["reason": "ptt_down", "device": .string(describeDevice), "detail": .string(reason)]))
    }

    private func record(_ draft: EventDraft?) async {
        guard let draft else { return }
        do {
            try await writer.append(draft)
        } catch {
            logger.error(
                "Cannot store keying event", metadata: ["channel.id": "\(channelID)", "event.kind": "\(draft.kind)", "store.error": "\(error)"])
        }
    }
}

/// What the transmitter asks of the transmit audio path.
enum TransmitAudioCommand: Sendable, Equatable {
    /// This keyer's audio starts (after the TX delay); an emergency keying starts with the
    /// alert tone and repeats the channel marker.
    case start(Keyer)
    /// The keying's audio ends.
    case stop
}
