import Logging
import ParleyConfig
import ParleyCore
import ParleyStore
import ServiceLifecycle

/// Runs every configured line for as long as parleyd runs.
///
/// On start it ends the calls a crash or stop left open (`line_failed`: their modems are reset
/// on start, so those callers are gone), then runs each line's driver. A line whose device is
/// missing stays down, retried by its driver, without stopping the others.
public struct TelephonyService: Service {
    public let switchboard: Switchboard
    let voiceLines: [VoiceLine]
    let smsLines: [SMSLine]
    let soundCardLines: [SoundCardLine]
    let writer: EventWriter
    let logger: Logger

    /// `devices` opens sound-card lines' ring detectors and hook relays (parleyd passes its
    /// radio COR and PTT openers); lines of other kinds do not use it.
    public init(
        configuration: ParleyConfiguration.Telephony, recordingsDirectory: String, store: IncidentStore, writer: EventWriter,
        devices: SoundCardLineDevices, logger: Logger
    ) async {
        let switchboard = Switchboard(store: store, writer: writer, agency: configuration.agency, logger: logger)
        var voiceLines: [VoiceLine] = []
        var smsLines: [SMSLine] = []
        var soundCardLines: [SoundCardLine] = []
        for line in configuration.lines {
            switch line.modem.kind {
            case .voice:
                let voice = VoiceLine(line: line, switchboard: switchboard, recordingsDirectory: recordingsDirectory, logger: logger)
                await switchboard.register(voice.info, handle: voice)
                voiceLines.append(voice)
            case .gsm:
                let sms = SMSLine(
                    line: line, partTimeout: configuration.smsPartTimeout, switchboard: switchboard, store: store, writer: writer,
                    logger: logger)
                await switchboard.register(sms.info, handle: sms)
                smsLines.append(sms)
            case .soundcard:
                guard let card = line.modem.soundCard else { continue }
                let soundCard = SoundCardLine(
                    line: line, card: card, devices: devices, switchboard: switchboard, recordingsDirectory: recordingsDirectory,
                    logger: logger)
                await switchboard.register(soundCard.info, handle: soundCard)
                soundCardLines.append(soundCard)
            }
        }
        self.switchboard = switchboard
        self.voiceLines = voiceLines
        self.smsLines = smsLines
        self.soundCardLines = soundCardLines
        self.writer = writer
        self.logger = logger
    }

    public func run() async throws {
        guard !voiceLines.isEmpty || !smsLines.isEmpty || !soundCardLines.isEmpty else {
            try await gracefulShutdown()
            return
        }
        do {
            let (ended, _) = try await writer.perform(priority: .admin, CallOperations.endAbandonedByRestart())
            if !ended.isEmpty {
                logger.warning("Calls left open by the last run ended as line_failed", metadata: ["calls": "\(ended.map(\.id))"])
            }
        } catch {
            logger.error("Could not close the calls the last run left open", metadata: ["error": "\(error)"])
        }
        logger.info("Telephony lines starting", metadata: ["lines": "\(voiceLines.count + smsLines.count + soundCardLines.count)"])
        // Lines run until cancelled; on shutdown each hangs up and closes its modem.
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for line in voiceLines { group.addTask { await line.run() } }
                for line in smsLines { group.addTask { await line.run() } }
                for line in soundCardLines { group.addTask { await line.run() } }
            }
        }
    }
}
