import Foundation
import Logging
import ParleyAudio
import ParleyConfig
import ParleyCore
import ParleyDSP
import ParleyDevices
import SystemPackage

/// One analogue line on an AT voice modem: runs the modem driver, reports rings and hang-ups
/// to the switchboard, records each answered call as one Ogg Opus file, decodes TTY text from
/// the caller's audio, and carries out what the switchboard asks (answer, hang up, transfer,
/// send text as tones).
public actor VoiceLine: TelephoneLine {
    public let line: ParleyConfiguration.Line
    let modem: VoiceModem
    let switchboard: Switchboard
    let recordingsDirectory: FilePath
    let logger: Logger
    let sampleRate: Int
    /// How long the modem has to confirm an answer or a transfer.
    let confirmationTimeout: Duration

    private var callID: Int64?
    /// The answered call's recording and text decoding.
    private var audio: CallAudio?
    /// Requests waiting for the modem to confirm them.
    enum Confirmation: String, Hashable { case answer, transfer }
    private var waiters: [Confirmation: CheckedContinuation<Void, any Error>] = [:]
    private var transmitWaiter: CheckedContinuation<Void, Never>?

    public init(
        line: ParleyConfiguration.Line, switchboard: Switchboard, recordingsDirectory: String, logger: Logger,
        confirmationTimeout: Duration = .seconds(15)
    ) {
        self.line = line
        self.switchboard = switchboard
        self.recordingsDirectory = FilePath(recordingsDirectory)
        var logger = logger
        logger[metadataKey: "line.id"] = "\(line.id)"
        self.logger = logger
        self.confirmationTimeout = confirmationTimeout
        let configuration = VoiceModemConfiguration(
            lineID: line.id, baudRate: BaudRate(bitsPerSecond: line.modem.baudRate) ?? .b115200,
            countryCode: line.modem.countryCode, responseTimeout: line.modem.responseTimeout)
        sampleRate = configuration.voiceFormat.sampleRate
        modem = VoiceModem(path: line.modem.device, configuration: configuration, logger: logger)
    }

    public var info: LineInfo {
        LineInfo(id: line.id, name: line.name, service: line.service, priority: line.priority, kind: .voice)
    }

    /// Runs the modem and follows its events and audio until cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.modem.run() }
            group.addTask {
                for await event in self.modem.events { await self.handle(event) }
            }
            group.addTask {
                for await block in self.modem.audio { await self.received(block) }
            }
        }
        await finishCall(endedBy: .lineFailed, detail: "parleyd stopping")
    }

    // MARK: Modem events

    func handle(_ event: VoiceModemEvent) async {
        switch event {
        case .ready, .recovered:
            await switchboard.lineStateChanged(line.id, to: .up)
        case .fault(let reason):
            fail(waiters: LineError(.down, reason))
            await switchboard.lineStateChanged(line.id, to: .down(reason: reason))
            await finishCall(endedBy: nil, detail: reason)
        case .ringing(let count, let callerID):
            if callID == nil {
                do {
                    let record = try await switchboard.callArrived(lineID: line.id, callerID: callerID ?? CallerID())
                    callID = record.id
                } catch {
                    logger.error("Could not queue a ringing call", metadata: ["error": "\(error)"])
                }
            } else if let callerID, let callID, count > 1 {
                await switchboard.callerIDArrived(callID, callerID)
            }
        case .callerID(let callerID):
            if let callID { await switchboard.callerIDArrived(callID, callerID) }
        case .abandoned, .farEndHungUp:
            fail(waiters: LineError(.refused, "the caller rang off"))
            if let callID { await switchboard.lineReported(callID, .callerHungUp, detail: event.detail) }
            await finishCall(endedBy: nil, detail: nil)
        case .answered:
            startRecording()
            waiters.removeValue(forKey: .answer)?.resume()
        case .transferred:
            waiters.removeValue(forKey: .transfer)?.resume()
        case .transferFailed(_, let reason):
            waiters.removeValue(forKey: .transfer)?.resume(throwing: LineError(.refused, reason))
        case .hungUp:
            await finishCall(endedBy: nil, detail: nil)
        case .transmitFinished:
            audio?.transmitFinished()
            transmitWaiter?.resume()
            transmitWaiter = nil
        case .dtmf(let digit):
            if let callID {
                logger.info("DTMF digit on the call", metadata: ["call.id": "\(callID)", "dtmf.digit": "\(digit)"])
            }
        case .tone(let tone):
            logger.debug("Tone on the line", metadata: ["tone": "\(tone)"])
        case .malformed(let input):
            logger.warning("Malformed modem input skipped", metadata: ["device.path": "\(line.modem.device)", "bytes": "\(input.hex)"])
            await switchboard.badInput(on: line.id, hex: input.hex)
        }
    }

    /// Received voice: recorded, and decoded for text unless it is our own echo.
    func received(_ block: [Int16]) async {
        guard let messages = audio?.received(block) else { return }
        await store(messages)
    }

    private func store(_ messages: [CallTextReceiver.Message]) async {
        guard let callID else { return }
        await switchboard.textReceived(callID, messages)
    }

    // MARK: TelephoneLine

    public func answer() async throws(LineError) {
        guard callID != nil else { throw LineError(.refused, "no call is ringing on line \(line.id)") }
        try await waitForConfirmation(.answer) { self.modem.answer() }
    }

    public func hangUp() async {
        modem.hangUp()
        await finishCall(endedBy: nil, detail: nil)
    }

    public func transfer(to number: String, blind: Bool) async throws(LineError) {
        try await waitForConfirmation(.transfer) { self.modem.transfer(to: number) }
        if blind {
            await finishCall(endedBy: nil, detail: nil)
        }
    }

    public func sendText(_ text: String, medium: TextMedium, recipient: String?) async throws(LineError) -> SentText {
        guard callID != nil, audio != nil else { throw LineError(.refused, "no call is up on line \(line.id)") }
        let (samples, sent) = try CallAudio.replyTones(text, medium: medium, sampleRate: sampleRate, ita2: line.ttyTableITA2)
        audio?.transmitStarted(samples)
        modem.transmit(samples)
        await withCheckedContinuation { continuation in transmitWaiter = continuation }
        return sent
    }

    // MARK: Helpers

    private func waitForConfirmation(_ what: Confirmation, _ request: @escaping @Sendable () -> Void) async throws(LineError) {
        let timeout = confirmationTimeout
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            await self?.fail(waiters: LineError(.down, "the modem did not confirm the \(what.rawValue) within \(timeout)"))
        }
        defer { timer.cancel() }
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                waiters[what] = continuation
                request()
            }
        } catch let error as LineError {
            throw error
        } catch {
            throw LineError(.down, "\(error)")
        }
    }

    private func fail(waiters error: LineError) {
        for (_, waiter) in waiters { waiter.resume(throwing: error) }
        waiters = [:]
        if audio?.transmitting == true {
            audio?.transmitFinished()
        }
        transmitWaiter?.resume()
        transmitWaiter = nil
    }

    private func startRecording() {
        guard let callID, audio == nil else { return }
        audio = CallAudio(
            callID: callID, lineID: line.id, sampleRate: sampleRate, directory: recordingsDirectory, ita2: line.ttyTableITA2,
            logger: logger)
    }

    /// The call is over on the line: flush text, close the recording, forget the call.
    /// `endedBy` reports the end to the switchboard when the line (not a dispatcher) ended it.
    private func finishCall(endedBy input: CallStateMachine.Input?, detail: String?) async {
        guard let callID else { return }
        let ended = CallAudio.end(&audio, logger: logger)
        await switchboard.callEndedOnLine(callID, audio: ended, endedBy: input, detail: detail)
        self.callID = nil
    }
}

extension VoiceModemEvent {
    /// Why the far end went, for the call's event.
    var detail: String? {
        switch self {
        case .farEndHungUp(let reason): reason
        case .abandoned: "ringing stopped before the call was answered"
        default: nil
        }
    }
}
