import DequeModule
import Foundation
import Logging
import ParleyAudio
import ParleyConfig
import ParleyCore
import ParleyDSP
import ParleyStore
import SystemPackage

/// Something the receive side reacts to, in arrival order.
enum ReceiverInput: Sendable {
    /// From the capture stream: device up/down, or a block of audio.
    case capture(CaptureEvent)
    /// A COR source's level (after inversion).
    case cor(SquelchSourceID, active: Bool)
    /// A COR source failed (`reason`) or recovered (nil).
    case corHealth(SquelchSourceID, failure: String?)
    /// Who is talking (a TETRA talker's ISSI, an ANI id): stored with the transmission in
    /// progress, or the next one to open.
    case talker(String)
    /// A unit raised an emergency: stored (open until acknowledged) with the transmission in
    /// progress, which is flagged emergency — or the one opening within two seconds.
    case emergency(issi: Int64?, source: EmergencyRecord.Source, detail: String?)
    /// Time passes (deadlines: debounce, hang, stuck-open guard).
    case tick
    /// Stop: finish any transmission in progress.
    case shutdown
}

/// A channel's receive path: squelch (VOX and COR sources), one recording and one store row
/// per transmission, channel faults as events.
///
/// Inputs are handled strictly one after another in arrival order: ``submit(_:)`` queues
/// behind one being handled (which may be waiting for the store) and returns at once, so a
/// capture thread is never held up by a commit. Time is the injected clock's.
actor ChannelReceiver<C: Clock> where C.Duration == Duration {
    private struct Current {
        var rowID: Int64?
        var path: FilePath
        var openedAt: Date
        var talker: String?
        var emergency = false
        /// DTMF digits heard during the transmission (the talker id when nothing else named one).
        var digits = ""
    }

    private let channel: ParleyConfiguration.Channel
    private let clock: C
    private let wallClock: any WallClock
    private let writer: EventWriter
    private let recorder: TransmissionRecorder
    private let status: ChannelStatusBoard
    private let logger: Logger
    private let receivingChanged: @Sendable (Bool) async -> Void
    private var squelch: SquelchStateMachine<C.Instant>
    private var vox: VoxDetector?
    private var current: Current?
    private var captureDown: String?
    private var corFailures: [SquelchSourceID: String] = [:]
    /// Audio samples handled so far, and where (in them) the current activity began: the
    /// recording reaches back to it, so a squelch confirmed late (debounce, a stalled task)
    /// loses nothing from the start of the transmission.
    private var samplesSeen = 0
    private var activityStartSample: Int?
    private var pending = Deque<ReceiverInput>()
    private var busy = false
    private var finished = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// A talker named before the squelch opened, for the transmission about to open.
    private var pendingTalker: String?
    /// DTMF digits heard before the squelch opened (VOX attack, debounce), and when the last was.
    private var pendingDigits = ""
    private var pendingDigitsSample = 0
    /// The channel's ANI decoder (`ani:`), fed all received audio.
    private var ani: ChannelANI?
    /// An emergency raised just before the squelch opened (debounce): when, so the opening
    /// transmission is flagged.
    private var pendingEmergency: C.Instant?

    init(
        channel: ParleyConfiguration.Channel, recordingsDirectory: String, clock: C, wallClock: any WallClock,
        writer: EventWriter, status: ChannelStatusBoard, logger: Logger,
        receivingChanged: @escaping @Sendable (Bool) async -> Void
    ) {
        self.channel = channel
        self.clock = clock
        self.wallClock = wallClock
        self.writer = writer
        self.status = status
        self.logger = logger
        self.receivingChanged = receivingChanged
        squelch = SquelchStateMachine(configuration: channel.squelch.timing)
        ani = channel.ani.map { ChannelANI($0, sampleRate: Double(channel.capture.sampleRate)) }
        for source in channel.squelch.sources {
            if case .vox(let settings) = source, vox == nil {
                vox = VoxDetector(configuration: .init(thresholdDBFS: settings.thresholdDBFS, attack: settings.attack, hang: settings.hang))
            }
        }
        recorder = TransmissionRecorder(
            configuration: .init(
                channel: channel.id, sampleRate: SampleRate(rawValue: channel.capture.sampleRate) ?? .hz16000,
                directory: FilePath(recordingsDirectory), preRoll: channel.preRoll),
            logger: logger)
    }

    static var voxSource: SquelchSourceID { "vox" }

    /// Queues `input`; handles the queue unless a handling is already under way.
    func submit(_ input: ReceiverInput) async {
        guard !finished else { return }
        pending.append(input)
        guard !busy else { return }
        busy = true
        while let next = pending.popFirst() {
            if !(await handle(next)) {
                finished = true
                pending.removeAll()
            }
        }
        busy = false
        let waiters = idleWaiters
        idleWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }

    /// Finishes any transmission in progress (row completed, file closed) and stops taking
    /// input; returns when done.
    func shutdown() async {
        await submit(.shutdown)
        while busy {
            await withCheckedContinuation { idleWaiters.append($0) }
        }
    }

    /// Handles one input; returns false after `.shutdown`.
    private func handle(_ input: ReceiverInput) async -> Bool {
        let now = clock.now
        switch input {
        case .capture(.up(let info)):
            await captureCameUp(info)
        case .capture(.down(let error)):
            await captureWentDown(error, at: now)
        case .capture(.frame(let frame)):
            recorder.append(frame)
            samplesSeen += frame.samples.count
            if var decoder = ani {
                let heard = decoder.process(frame.samples)
                ani = decoder
                for id in heard { aniHeard(id, sampleRate: frame.sampleRate.rawValue) }
            }
            if var detector = vox {
                let action = detector.process(frame.samples, sampleRate: frame.sampleRate.rawValue)
                vox = detector
                switch action {
                case .open(let activeFor):
                    let activitySample = samplesSeen - frame.sampleRate.samples(in: activeFor)
                    await sample(Self.voxSource, active: true, at: now.advanced(by: .zero - activeFor), activitySample: activitySample)
                case .close:
                    await sample(Self.voxSource, active: false, at: now, activitySample: samplesSeen)
                case nil:
                    break
                }
            }
            await perform(squelch.tick(at: now))
        case .cor(let source, let active):
            await sample(source, active: active, at: now, activitySample: samplesSeen)
        case .corHealth(let source, let failure):
            await corHealthChanged(source, failure: failure, at: now)
        case .talker(let talker):
            if current != nil { current?.talker = talker } else { pendingTalker = talker }
        case .emergency(let issi, let source, let detail):
            await emergencyRaised(issi: issi, source: source, detail: detail, at: now)
        case .tick:
            await perform(squelch.tick(at: now))
        case .shutdown:
            await finishTransmission(forced: true)
            return false
        }
        return true
    }

    // MARK: Squelch actions

    private func sample(_ source: SquelchSourceID, active: Bool, at time: C.Instant, activitySample: Int) async {
        let wasActive = squelch.inputActive
        let actions = squelch.sample(source, active: active, at: time)
        if !wasActive, squelch.inputActive, current == nil {
            activityStartSample = max(activitySample, 0)
        }
        await perform(actions)
    }

    private func perform(_ actions: [SquelchStateMachine<C.Instant>.Action]) async {
        for action in actions {
            switch action {
            case .opened(let at):
                await openTransmission(activeSince: at)
            case .closed:
                await finishTransmission(forced: false)
            case .fault, .faultCleared:
                if case .fault = action {
                    logger.warning("Squelch stuck open; transmission forced closed", metadata: ["channel.id": "\(channel.id)"])
                    status.update { $0.fault = "receive_stuck_open" }
                } else {
                    logger.notice("Stuck squelch released", metadata: ["channel.id": "\(channel.id)"])
                    status.update { $0.fault = nil }
                }
                if let draft = action.eventDraft(channel: channel.id) { await record(draft) }
            }
        }
    }

    private func openTransmission(activeSince: C.Instant) async {
        guard current == nil else { return }
        let openedAt = wallClock.now().addingTimeInterval(-activeSince.duration(to: clock.now).inSeconds)
        let rate = SampleRate(rawValue: channel.capture.sampleRate) ?? .hz16000
        let sinceActivity = rate.duration(ofSamples: max(samplesSeen - (activityStartSample ?? samplesSeen), 0))
        activityStartSample = nil
        let path: FilePath
        do {
            path = try recorder.start(at: openedAt, reachingBack: sinceActivity)
        } catch {
            logger.error(
                "Cannot record transmission", metadata: ["channel.id": "\(channel.id)", "recording.error": "\(error)"])
            await record(EventDraft(
                priority: .priority, kind: .channelFault, source: .channel(channel.id),
                payload: ["reason": "recording_failed", "detail": .string("\(error)")]))
            return
        }
        let emergency = pendingEmergency.map { $0.duration(to: clock.now) <= .seconds(2) } ?? false
        // DTMF digits from just before the opening (within 2 s) belong to this transmission.
        let digits = samplesSeen - pendingDigitsSample <= rate.rawValue * 2 ? pendingDigits : ""
        current = Current(rowID: nil, path: path, openedAt: openedAt, talker: pendingTalker, emergency: emergency, digits: digits)
        pendingTalker = nil
        pendingDigits = ""
        pendingEmergency = nil
        status.update { $0.receiving = true }
        await receivingChanged(true)
        do {
            let (row, _) = try await writer.perform(
                priority: .routine,
                TransmissionOperations.begin(
                    channelID: channel.id, startedAt: Timestamp.millis(openedAt), direction: .received, transmittedBy: nil,
                    filePath: path.string, incidentID: status.incidentID, emergency: emergency))
            current?.rowID = row.id
        } catch {
            // The recording goes on; its row is written when it ends (see finishTransmission).
            logger.error(
                "Cannot store transmission start", metadata: ["channel.id": "\(channel.id)", "store.error": "\(error)"])
        }
    }

    private func finishTransmission(forced: Bool) async {
        guard let transmission = current else { return }
        current = nil
        status.update { $0.receiving = false }
        await receivingChanged(false)
        let summary: TransmissionSummary
        do {
            let recording = try recorder.finish()
            summary = TransmissionSummary(
                endedAt: Timestamp.millis(recording.endedAt), durationMillis: recording.duration.wholeMilliseconds,
                peakDBFS: recording.level.peakDBFS, rmsDBFS: recording.level.rmsDBFS, fileSHA256: recording.sha256,
                talkerID: transmission.talker ?? (transmission.digits.isEmpty ? nil : transmission.digits))
            if let failure = recording.failure {
                await record(EventDraft(
                    priority: .priority, kind: .channelFault, source: .channel(channel.id),
                    payload: ["reason": "recording_failed", "detail": .string("\(failure)"), "file": .string(transmission.path.string)]))
            }
        } catch {
            logger.error("Cannot finish recording", metadata: ["channel.id": "\(channel.id)", "recording.error": "\(error)"])
            let now = Timestamp.millis(wallClock.now())
            summary = TransmissionSummary(
                endedAt: max(now, Timestamp.millis(transmission.openedAt)), durationMillis: 0, peakDBFS: nil, rmsDBFS: nil,
                fileSHA256: nil, talkerID: transmission.talker ?? (transmission.digits.isEmpty ? nil : transmission.digits))
        }
        do {
            var rowID = transmission.rowID
            if rowID == nil {
                // The start could not be stored: store it now, so the transmission is not lost.
                let (row, _) = try await writer.perform(
                    priority: .routine,
                    TransmissionOperations.begin(
                        channelID: channel.id, startedAt: Timestamp.millis(transmission.openedAt), direction: .received,
                        transmittedBy: nil, filePath: transmission.path.string, incidentID: status.incidentID,
                        emergency: transmission.emergency))
                rowID = row.id
            }
            _ = try await writer.perform(priority: .routine, TransmissionOperations.finish(rowID!, summary))
        } catch {
            // Left `recording` (or absent): the start-up repair completes it from the file.
            logger.error(
                "Cannot store transmission end; it will be repaired at the next start",
                metadata: ["channel.id": "\(channel.id)", "store.error": "\(error)", "recording.path": "\(transmission.path)"])
        }
        if forced {
            logger.info("Transmission closed at shutdown", metadata: ["channel.id": "\(channel.id)"])
        }
    }

    // MARK: ANI

    /// An id decoded from the channel audio: a selcall id names the talker of the transmission
    /// in progress (the first one heard wins; a TETRA talker is never replaced); DTMF digits
    /// are collected and name it when the transmission ends.
    private func aniHeard(_ heard: ChannelANI.Heard, sampleRate: Int) {
        switch heard {
        case .selcall(let id):
            if current != nil {
                if current?.talker == nil { current?.talker = id }
            } else {
                pendingTalker = pendingTalker ?? id
            }
        case .dtmf(let digit):
            if current != nil {
                current?.digits.append(digit)
            } else {
                if samplesSeen - pendingDigitsSample > sampleRate * 2 { pendingDigits = "" }
                pendingDigits.append(digit)
                pendingDigitsSample = samplesSeen
            }
        }
    }

    // MARK: Emergencies

    private func emergencyRaised(issi: Int64?, source: EmergencyRecord.Source, detail: String?, at now: C.Instant) async {
        var transmissionID: Int64?
        if current != nil {
            current?.emergency = true
            transmissionID = current?.rowID
            if let rowID = transmissionID {
                do {
                    _ = try await writer.perform(priority: .emergency, TransmissionOperations.markEmergency(rowID))
                } catch {
                    logger.error("Cannot flag the transmission emergency", metadata: ["channel.id": "\(channel.id)", "store.error": "\(error)"])
                }
            }
        } else {
            pendingEmergency = now
        }
        do {
            let (record, _) = try await writer.perform(
                priority: .emergency,
                RadioSignallingOperations.raiseEmergency(
                    channelID: channel.id, issi: issi, source: source, detail: detail, transmissionID: transmissionID))
            // Emergency mode until acknowledged (the oldest open emergency is shown).
            status.update { $0.emergency = $0.emergency ?? record.id }
            logger.critical(
                "Emergency raised by a radio unit; acknowledge with parleyctl ack",
                metadata: [
                    "channel.id": "\(channel.id)", "emergency.id": "\(record.id)", "unit.issi": "\(issi.map(String.init) ?? "-")",
                    "emergency.source": "\(source.rawValue)",
                ])
        } catch {
            logger.critical(
                "Emergency raised by a radio unit could not be stored",
                metadata: ["channel.id": "\(channel.id)", "unit.issi": "\(issi.map(String.init) ?? "-")", "store.error": "\(error)"])
        }
    }

    // MARK: Device health

    private func captureCameUp(_ info: CaptureDeviceInfo) async {
        status.update {
            $0.capture = "up"
            $0.reason = nil
        }
        if let previous = captureDown {
            captureDown = nil
            await record(EventDraft(
                priority: .priority, kind: .channelFaultCleared, source: .channel(channel.id),
                payload: ["reason": "capture_down", "device": .string(info.device.description), "was": .string(previous)]))
        }
    }

    private func captureWentDown(_ error: AlsaError, at now: C.Instant) async {
        captureDown = "\(error)"
        status.update {
            $0.capture = "down"
            $0.reason = "\(error)"
        }
        // No audio means no VOX: close what VOX held open; COR sources stay as they are.
        if vox != nil {
            await perform(squelch.sample(Self.voxSource, active: false, at: now))
        }
        await record(EventDraft(
            priority: .priority, kind: .channelFault, source: .channel(channel.id),
            payload: ["reason": "capture_down", "detail": .string("\(error)")]))
    }

    private func corHealthChanged(_ source: SquelchSourceID, failure: String?, at now: C.Instant) async {
        if let failure {
            guard corFailures[source] == nil else { return }
            corFailures[source] = failure
            status.update { $0.fault = "cor_down" }
            // A COR that cannot be read counts as inactive, so a dead line never holds the squelch open.
            await perform(squelch.removeSource(source, at: now))
            await record(EventDraft(
                priority: .priority, kind: .channelFault, source: .channel(channel.id),
                payload: ["reason": "cor_down", "source": .string(source.rawValue), "detail": .string(failure)]))
        } else if let previous = corFailures.removeValue(forKey: source) {
            if corFailures.isEmpty { status.update { $0.fault = nil } }
            await record(EventDraft(
                priority: .priority, kind: .channelFaultCleared, source: .channel(channel.id),
                payload: ["reason": "cor_down", "source": .string(source.rawValue), "was": .string(previous)]))
        }
    }

    private func record(_ draft: EventDraft) async {
        do {
            try await writer.append(draft)
        } catch {
            logger.error(
                "Cannot store channel event", metadata: ["channel.id": "\(channel.id)", "event.kind": "\(draft.kind)", "store.error": "\(error)"])
        }
    }}
