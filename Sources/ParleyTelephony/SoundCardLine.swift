import Foundation
import Logging
import ParleyAudio
import ParleyConfig
import ParleyCore
import ParleyDSP
import ParleyDevices
import SystemPackage

/// How a sound-card line reaches its ring detector and hook relay. parleyd passes the same
/// openers its radio channels use for COR and PTT, so a line interface is configured and
/// driven like a radio's.
public struct SoundCardLineDevices: Sendable {
    /// The polled reader for a ring detector (a serial status line or a CM108 input bit).
    public var ringReader: @Sendable (ParleyConfiguration.SquelchSource) -> (any COReader)?
    /// Opens the hook relay (keyed = off hook).
    public var openHook: @Sendable (ParleyConfiguration.PTT, Logger) throws(DeviceError) -> any PTTDriver

    public init(
        ringReader: @escaping @Sendable (ParleyConfiguration.SquelchSource) -> (any COReader)?,
        openHook: @escaping @Sendable (ParleyConfiguration.PTT, Logger) throws(DeviceError) -> any PTTDriver
    ) {
        self.ringReader = ringReader
        self.openHook = openHook
    }
}

/// One analogue line on a line interface and a sound card (no modem): the line's audio comes
/// through ALSA, ringing through a ring-detect input, and the hook through a relay output.
///
/// Caller ID is decoded from the line audio while on hook — V.23 after the BT SIN227 alert tone
/// (sent before the first ring) and Bell 202 (between the first and second rings) — and goes
/// on the call when it rings, or onto the ringing call when it comes after the first ring. A
/// call rings while the detector keeps ringing; `ring_timeout_seconds` without a ring before
/// answer means the caller gave up. Answering closes the hook relay; the call's audio is
/// recorded and decoded for TTY and V.21 text as on a modem line; replies play through
/// `playback` when one is configured. A sound-card line has no dialler, so transfers are
/// refused, and no far-end clear signal: a dispatcher ends the call.
public actor SoundCardLine: TelephoneLine {
    public let line: ParleyConfiguration.Line
    let card: ParleyConfiguration.SoundCard
    let devices: SoundCardLineDevices
    let switchboard: Switchboard
    let recordingsDirectory: FilePath
    let logger: Logger
    let sampleRate: Int
    /// How often the ring detector is read.
    static let ringPollInterval = Duration.milliseconds(50)
    /// A decoded caller ID belongs to a call that rings within this long of it.
    static let callerIDValidity = Duration.seconds(15)

    private var callID: Int64?
    private var answered = false
    private var audio: CallAudio?
    private var decoder: CallerIDDecoder
    /// The last caller ID decoded, and when (in line-audio time).
    private var recentCallerID: (callerID: CallerID, at: Duration)?
    private var samplesSeen = 0
    private var lastRing: ContinuousClock.Instant?
    private var hook: (any PTTDriver)?
    private var captureUp = false
    private var ringReadable = true

    public init(
        line: ParleyConfiguration.Line, card: ParleyConfiguration.SoundCard, devices: SoundCardLineDevices, switchboard: Switchboard,
        recordingsDirectory: String, logger: Logger
    ) {
        self.line = line
        self.card = card
        self.devices = devices
        self.switchboard = switchboard
        self.recordingsDirectory = FilePath(recordingsDirectory)
        var logger = logger
        logger[metadataKey: "line.id"] = "\(line.id)"
        self.logger = logger
        sampleRate = card.capture.sampleRate
        decoder = CallerIDDecoder(configuration: .init(sampleRate: Double(card.capture.sampleRate)))
    }

    public var info: LineInfo {
        LineInfo(id: line.id, name: line.name, service: line.service, priority: line.priority, kind: .soundcard)
    }

    /// Runs the capture, the ring detector and the ring timeout until cancelled; then puts the
    /// line on hook.
    public func run() async {
        let capture = CaptureStream(channel: "line-\(line.id)", configuration: captureConfiguration(), logger: logger)
        await withDiscardingTaskGroup { group in
            group.addTask {
                try? await capture.run { event in await self.captured(event) }
            }
            group.addTask { await self.pollRing() }
        }
        await putOnHook()
        await finishCall(endedBy: .lineFailed, detail: "parleyd stopping")
    }

    private func captureConfiguration() -> CaptureConfiguration {
        let rate = SampleRate(rawValue: card.capture.sampleRate) ?? .hz8000
        switch card.capture.source {
        case .device(let name):
            return CaptureConfiguration(device: .named(name), sampleRate: rate)
        case .rawFile(let path):
            return CaptureConfiguration(
                device: .rawFileCapture(name: "line_" + line.id.replacingOccurrences(of: "-", with: "_"), infile: path),
                sampleRate: rate, pacing: .realTime)
        }
    }

    // MARK: Line audio

    func captured(_ event: CaptureEvent) async {
        switch event {
        case .up:
            captureUp = true
            await reportState()
        case .down(let error):
            captureUp = false
            await reportState(reason: "line audio: \(error)")
        case .frame(let frame):
            await received(frame.samples)
        }
    }

    func received(_ block: [Int16]) async {
        samplesSeen += block.count
        if answered {
            guard let messages = audio?.received(block), let callID else { return }
            await switchboard.textReceived(callID, messages)
            return
        }
        // On hook (or ringing): listen for caller ID.
        for detection in decoder.process(block) {
            guard let callerID = detection.callerID else {
                let hex = detection.bytes.prefix(64).map { CallTextReceiver.hex($0) }.joined(separator: " ")
                logger.info("Caller ID burst not readable", metadata: [
                    "callerid.standard": "\(detection.standard.rawValue)", "callerid.problem": "\(detection.problem ?? "unknown")",
                    "bytes": "\(hex)",
                ])
                await switchboard.badInput(on: line.id, hex: hex)
                continue
            }
            logger.info("Caller ID decoded from line audio", metadata: [
                "callerid.standard": "\(detection.standard.rawValue)", "call.cli": "\(callerID.number ?? callerID.numberAbsence?.rawValue ?? "-")",
            ])
            recentCallerID = (callerID, elapsed)
            if let callID { await switchboard.callerIDArrived(callID, callerID) }
        }
    }

    private var elapsed: Duration { .seconds(Double(samplesSeen) / Double(sampleRate)) }

    // MARK: Ringing

    private func pollRing() async {
        guard let reader = devices.ringReader(card.ring) else { return }
        defer { reader.close() }
        // The detector's level holds until it reports a change (a CM108 sends reports on change).
        var ringing = false
        while !Task.isCancelled {
            do {
                ringing = try reader.read() ?? ringing
                if !ringReadable {
                    ringReadable = true
                    logger.notice("Ring detector readable again", metadata: ["ring.source": "\(reader.sourceID)"])
                    await reportState()
                }
                if ringing { await ring() }
            } catch {
                if ringReadable {
                    ringReadable = false
                    logger.error("Ring detector unreadable", metadata: ["ring.source": "\(reader.sourceID)", "error": "\(error)"])
                    await reportState(reason: "ring detector: \(error)")
                }
                reader.close()
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            await checkRingTimeout()
            try? await Task.sleep(for: Self.ringPollInterval)
        }
    }

    /// The ring detector is active: a new call, or the ringing call still ringing.
    func ring() async {
        lastRing = .now
        guard callID == nil else { return }
        var callerID = CallerID()
        if let recent = recentCallerID, elapsed - recent.at <= Self.callerIDValidity {
            callerID = recent.callerID
        }
        recentCallerID = nil
        do {
            let record = try await switchboard.callArrived(lineID: line.id, callerID: callerID)
            callID = record.id
            logger.info("Line ringing", metadata: ["call.id": "\(record.id)"])
        } catch {
            logger.error("Could not queue a ringing call", metadata: ["error": "\(error)"])
        }
    }

    /// A ringing call whose ring stopped `ring_timeout_seconds` ago was given up by the caller.
    func checkRingTimeout() async {
        guard let callID, !answered, let lastRing, ContinuousClock.now - lastRing >= card.ringTimeout else { return }
        self.lastRing = nil
        await switchboard.lineReported(callID, .callerHungUp, detail: "ringing stopped before the call was answered")
        self.callID = nil
        decoder = CallerIDDecoder(configuration: decoder.configuration)
    }

    private func reportState(reason: String? = nil) async {
        if let reason {
            await switchboard.lineStateChanged(line.id, to: .down(reason: reason))
        } else if captureUp && ringReadable {
            await switchboard.lineStateChanged(line.id, to: .up)
        }
    }

    // MARK: TelephoneLine

    public func answer() async throws(LineError) {
        guard let callID, !answered else { throw LineError(.refused, "no call is ringing on line \(line.id)") }
        do {
            let hook = try self.hook ?? devices.openHook(card.hook, logger)
            self.hook = hook
            try await hook.key()
        } catch {
            await closeHook()
            throw LineError(.down, "the hook relay could not be closed: \(error)")
        }
        answered = true
        audio = CallAudio(
            callID: callID, lineID: line.id, sampleRate: sampleRate, directory: recordingsDirectory, ita2: line.ttyTableITA2,
            logger: logger)
        logger.info("Line off hook", metadata: ["call.id": "\(callID)"])
    }

    public func hangUp() async {
        await putOnHook()
        await finishCall(endedBy: nil, detail: nil)
    }

    public func transfer(to number: String, blind: Bool) async throws(LineError) {
        throw LineError(.unsupported, "line \(line.id) is a sound-card line with no dialler: transfer the call from the telephone system")
    }

    public func sendText(_ text: String, medium: TextMedium, recipient: String?) async throws(LineError) -> SentText {
        guard answered, audio != nil else { throw LineError(.refused, "no call is up on line \(line.id)") }
        guard let playback = card.playback else {
            throw LineError(.unsupported, "line \(line.id) has no playback device: add modem.playback to send text")
        }
        let rate = SampleRate(rawValue: playback.sampleRate) ?? .hz8000
        let (samples, sent) = try CallAudio.replyTones(text, medium: medium, sampleRate: rate.rawValue, ita2: line.ttyTableITA2)
        let device: AudioDevice = switch playback.source {
        case .device(let name): .named(name)
        case .rawFile(let path): .rawFilePlayback(path: path)
        }
        let sink = PlaybackSink(channel: "line-\(line.id)", configuration: PlaybackConfiguration(device: device, sampleRate: rate), logger: logger)
        audio?.transmitStarted(samples)
        defer { audio?.transmitFinished() }
        do {
            _ = try await sink.run { output in try await output.write(samples) }
        } catch {
            throw LineError(.down, "the reply could not be played: \(error)")
        }
        return sent
    }

    // MARK: Helpers

    private func putOnHook() async {
        guard let hook else { return }
        do {
            try await hook.unkey()
        } catch {
            logger.error("Hook relay could not be opened; releasing it", metadata: ["error": "\(error)"])
            try? await hook.releaseAll()
        }
        await closeHook()
    }

    private func closeHook() async {
        await hook?.close()
        hook = nil
    }

    /// The call is over on the line: flush text, close the recording, forget the call.
    private func finishCall(endedBy input: CallStateMachine.Input?, detail: String?) async {
        guard let callID else { return }
        let ended = CallAudio.end(&audio, logger: logger)
        await switchboard.callEndedOnLine(callID, audio: ended, endedBy: input, detail: detail)
        self.callID = nil
        answered = false
        lastRing = nil
        decoder = CallerIDDecoder(configuration: decoder.configuration)
    }
}
