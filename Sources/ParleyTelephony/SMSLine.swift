import Foundation
import Logging
import ParleyConfig
import ParleyCore
import ParleyDevices
import ParleyStore

/// One SMS number on a GSM modem. Every part the modem reads is committed to the store's part
/// ledger before the modem may delete it (a part read again after a crash is recognised by
/// its PDU and not stored twice); parts are reassembled, and each message is stored on its
/// sender's conversation — a call on this line, queued like any other — then shown to
/// dispatchers. Replies go out with `AT+CMGS`.
public actor SMSLine: TelephoneLine {
    public let line: ParleyConfiguration.Line
    let modem: GSMModem
    let switchboard: Switchboard
    let store: IncidentStore
    let writer: EventWriter
    let logger: Logger
    let sendTimeout: Duration
    private var inbox: SMSInbox<ContinuousClock.Instant>
    private var nextRequestID = 1
    private var sendWaiters: [Int: CheckedContinuation<Result<Int, LineError>, Never>] = [:]

    public init(
        line: ParleyConfiguration.Line, partTimeout: Duration, switchboard: Switchboard, store: IncidentStore, writer: EventWriter,
        logger: Logger, sendTimeout: Duration = .seconds(90)
    ) {
        self.line = line
        self.switchboard = switchboard
        self.store = store
        self.writer = writer
        var logger = logger
        logger[metadataKey: "line.id"] = "\(line.id)"
        self.logger = logger
        self.sendTimeout = sendTimeout
        inbox = SMSInbox(timeout: partTimeout)
        modem = GSMModem(
            path: line.modem.device,
            configuration: GSMModemConfiguration(
                lineID: line.id, baudRate: BaudRate(bitsPerSecond: line.modem.baudRate) ?? .b115200,
                responseTimeout: line.modem.responseTimeout),
            logger: logger)
    }

    public var info: LineInfo {
        LineInfo(id: line.id, name: line.name, service: line.service, priority: line.priority, kind: .gsm)
    }

    /// Reloads parts a restart left waiting for their siblings, then runs the modem.
    public func run() async {
        reloadPendingParts()
        await withDiscardingTaskGroup { group in
            group.addTask { await self.modem.run() }
            group.addTask {
                for await event in self.modem.events { await self.handle(event) }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    await self.expireIncomplete()
                }
            }
        }
    }

    func handle(_ event: GSMModemEvent) async {
        switch event {
        case .ready, .recovered:
            await switchboard.lineStateChanged(line.id, to: .up)
        case .fault(let reason):
            await switchboard.lineStateChanged(line.id, to: .down(reason: reason))
        case .received(let sms):
            await receive(sms)
        case .undecodable(let index, let pduHex, let reason):
            logger.warning(
                "Undecodable SMS kept raw", metadata: ["sms.index": "\(index)", "sms.problem": "\(reason)", "bytes": "\(pduHex.prefix(64))"])
            await switchboard.badInput(on: line.id, hex: String(pduHex.prefix(128)))
            await commit(index: index, pdu: pduHex, sender: nil, problem: reason)
        case .sent(let reference, _, let requestID):
            sendWaiters.removeValue(forKey: requestID)?.resume(returning: .success(reference))
        case .sendFailed(let requestID, let reason):
            sendWaiters.removeValue(forKey: requestID)?.resume(returning: .failure(LineError(.refused, reason)))
        case .unexpected(let line):
            logger.info("Unexpected modem line skipped", metadata: ["modem.line": "\(line)"])
        case .malformed(let input):
            logger.warning("Malformed modem input skipped", metadata: ["device.path": "\(line.modem.device)", "bytes": "\(input.hex)"])
            await switchboard.badInput(on: line.id, hex: input.hex)
        }
    }

    private func receive(_ sms: ReceivedSMS) async {
        guard let receipt = await commit(index: sms.index, pdu: sms.pduHex, sender: sms.deliver.originator.description, problem: nil)
        else { return }
        // A part the ledger already had was reassembled before (or reloaded at start-up).
        guard receipt.isNew, let ready = inbox.add(sms.deliver, partID: receipt.part.id, at: .now) else { return }
        await storeMessage(ready)
    }

    /// Commits the part, then lets the modem delete it; a failed commit keeps it on the SIM.
    @discardableResult
    private func commit(index: Int, pdu: String, sender: String?, problem: String?) async -> SMSPartReceipt? {
        do {
            let receipt = try await writer.perform(
                priority: line.priority, SMSOperations.recordPart(lineID: line.id, pdu: pdu, sender: sender, problem: problem)).0
            modem.committed(index: index)
            return receipt
        } catch {
            logger.error("Could not store an SMS part; it stays on the modem", metadata: ["sms.index": "\(index)", "error": "\(error)"])
            modem.commitFailed(index: index)
            return nil
        }
    }

    private func storeMessage(_ ready: SMSInbox<ContinuousClock.Instant>.Ready) async {
        let draft = SMSMessageDraft(
            lineID: line.id, service: line.service, priority: line.priority, sender: ready.callerID, text: ready.message.text,
            partIDs: ready.partIDs, complete: ready.message.isComplete, note: ready.note)
        do {
            let ((call, message), _) = try await writer.perform(priority: line.priority, SMSOperations.storeMessage(draft))
            logger.info(
                "SMS stored", metadata: ["call.id": "\(call.id)", "text.message": "\(message.id)", "sms.parts": "\(ready.partIDs.count)"])
            await switchboard.smsStored(call: call)
        } catch {
            logger.error("Could not store an SMS message; its parts stay in the ledger", metadata: ["error": "\(error)"])
        }
    }

    private func expireIncomplete() async {
        for ready in inbox.expire(at: .now) {
            logger.warning("Storing an SMS with parts missing", metadata: ["sms.missing": "\(ready.message.missingParts)"])
            await storeMessage(ready)
        }
    }

    private func reloadPendingParts() {
        do {
            for part in try store.pendingSMSParts(lineID: line.id) {
                guard let deliver = try? SMSDeliver(hex: part.pdu) else { continue }
                _ = inbox.add(deliver, partID: part.id, at: .now)
            }
        } catch {
            logger.error("Could not reload SMS parts waiting for reassembly", metadata: ["error": "\(error)"])
        }
    }

    // MARK: TelephoneLine

    /// An SMS conversation is taken by a dispatcher; nothing happens on the modem.
    public func answer() async throws(LineError) {}

    public func hangUp() async {}

    public func transfer(to number: String, blind: Bool) async throws(LineError) {
        throw LineError(.unsupported, "an SMS conversation cannot be transferred by dialling")
    }

    public func sendText(_ text: String, medium: TextMedium, recipient: String?) async throws(LineError) -> SentText {
        guard let recipient else { throw LineError(.unsupported, "the sender's number is unknown, so there is nobody to reply to") }
        let requestID = nextRequestID
        nextRequestID += 1
        let timeout = sendTimeout
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            await self?.giveUp(requestID, after: timeout)
        }
        defer { timer.cancel() }
        let result = await withCheckedContinuation { continuation in
            sendWaiters[requestID] = continuation
            modem.send(to: recipient, text: text, requestID: requestID)
        }
        let reference = try result.get()
        return SentText(medium: .sms, raw: "to \(recipient), message reference \(reference)", text: text)
    }

    private func giveUp(_ requestID: Int, after timeout: Duration) {
        sendWaiters.removeValue(forKey: requestID)?.resume(returning: .failure(LineError(.down, "the modem did not send the SMS within \(timeout)")))
    }
}
