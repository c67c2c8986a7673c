import Foundation
import Logging
import ParleyAudio
import ParleyCore
import ParleyDSP
import SystemPackage

/// The audio of one answered call, whatever carries it (a voice modem, a sound card): one Ogg
/// Opus recording of both directions, the caller's deaf text decoded from what we receive, and
/// our own tones — while they play and for 300 ms after (the echo guard) — kept out of it.
struct CallAudio {
    let callID: Int64
    let sampleRate: Int
    private var recorder: TransmissionRecorder?
    private var receiver: CallTextReceiver
    private var receivedSamples = 0
    /// While we transmit, and until this sample after, received audio is our own echo.
    private var echoUntilSample: Int?
    private(set) var transmitting = false

    /// Starts the call's recording (`line-<line>-call-<call>` in `directory`); a recording that
    /// cannot start is logged and the call goes on unrecorded.
    init(callID: Int64, lineID: String, sampleRate: Int, directory: FilePath, ita2: Bool, logger: Logger) {
        self.callID = callID
        self.sampleRate = sampleRate
        receiver = CallTextReceiver(sampleRate: Double(sampleRate), table: ita2 ? .ita2 : .usTTY)
        guard let rate = SampleRate(rawValue: sampleRate) else {
            logger.error("Call not recorded: unsupported sample rate", metadata: ["call.id": "\(callID)", "audio.rate": "\(sampleRate)"])
            return
        }
        let recorder = TransmissionRecorder(
            configuration: .init(channel: "line-\(lineID)-call-\(callID)", sampleRate: rate, directory: directory, preRoll: .zero),
            logger: logger)
        do {
            _ = try recorder.start(at: Date())
            self.recorder = recorder
        } catch {
            logger.error("Could not start the call recording", metadata: ["call.id": "\(callID)", "error": "\(error)"])
        }
    }

    /// Received audio: recorded, and decoded for text unless it is our own echo. Returns the
    /// messages it completed.
    mutating func received(_ block: [Int16]) -> [CallTextReceiver.Message] {
        receivedSamples += block.count
        recorder?.append(block)
        if transmitting || (echoUntilSample.map { receivedSamples < $0 } ?? false) {
            receiver.ignore(block.count)
            return []
        }
        return receiver.process(block)
    }

    /// We start sending `samples` to the caller: the echo guard is up until ``transmitFinished()``.
    mutating func transmitStarted(_ samples: [Int16]) {
        transmitting = true
        recorder?.append(samples)
    }

    /// Our transmission ended: its echo is ignored for 300 ms more.
    mutating func transmitFinished() {
        transmitting = false
        echoUntilSample = receivedSamples + sampleRate * 3 / 10
    }

    /// The call ended: the text being typed, and the finished recording (nil when there is none
    /// or it could not be finished — logged).
    mutating func finish(logger: Logger) -> (messages: [CallTextReceiver.Message], recording: TransmissionRecording?) {
        let messages = receiver.finish()
        guard let recorder else { return (messages, nil) }
        self.recorder = nil
        do {
            return (messages, try recorder.finish())
        } catch {
            logger.error("Could not finish the call recording", metadata: ["call.id": "\(callID)", "error": "\(error)"])
            return (messages, nil)
        }
    }

    /// Finishes `audio`, if a call's audio is running, and clears it.
    static func end(_ audio: inout CallAudio?, logger: Logger) -> (messages: [CallTextReceiver.Message], recording: TransmissionRecording?)? {
        defer { audio = nil }
        return audio?.finish(logger: logger)
    }

    /// `text` as tones on `medium` at `sampleRate`: TTY (US or ITA2 figures) or V.21 on the
    /// answering channel; and what went out, as it is to be stored.
    static func replyTones(_ text: String, medium: TextMedium, sampleRate: Int, ita2: Bool) throws(LineError) -> (samples: [Int16], sent: SentText) {
        let rate = Double(sampleRate)
        switch medium {
        case .tty45, .tty50:
            var modulator = BaudotModulator(configuration: .init(
                sampleRate: rate, rate: medium == .tty50 ? .baud50 : .baud45, table: ita2 ? .ita2 : .usTTY))
            let transmission = modulator.modulate(text.uppercased())
            let skipped = Set(transmission.unencodable)
            return (transmission.int16Samples, SentText(
                medium: medium, raw: transmission.codes.map { CallTextReceiver.hex($0.rawValue) }.joined(separator: " "),
                text: String(text.uppercased().filter { !skipped.contains($0) })))
        case .v21:
            var modulator = V21Modulator(configuration: .init(sampleRate: rate, channel: .channel2))
            let transmission = modulator.modulate(text)
            let skipped = Set(transmission.unencodable)
            return (transmission.int16Samples, SentText(
                medium: medium, raw: transmission.bytes.map(CallTextReceiver.hex).joined(separator: " "),
                text: String(text.filter { !skipped.contains($0) })))
        case .sms, .relay:
            throw LineError(.unsupported, "\(medium.rawValue) text cannot be sent as tones on a voice line")
        }
    }
}

extension Switchboard {
    /// A call is over on its line: the last text and the recording of its audio (what
    /// ``CallAudio/finish(logger:)`` returned; nil when it was never answered) are stored, and
    /// the end is reported when the line, not a dispatcher, ended it.
    func callEndedOnLine(
        _ callID: Int64, audio: (messages: [CallTextReceiver.Message], recording: TransmissionRecording?)?,
        endedBy input: CallStateMachine.Input?, detail: String?
    ) async {
        if let audio {
            await textReceived(callID, audio.messages)
            if let recording = audio.recording {
                await recordingFinished(callID, path: recording.path.string, sha256: recording.sha256)
            }
        }
        if let input { await lineReported(callID, input, detail: detail) }
    }

    /// Messages decoded from a call's audio, stored in order.
    func textReceived(_ callID: Int64, _ messages: [CallTextReceiver.Message]) async {
        for message in messages {
            await textReceived(callID, medium: message.medium, raw: message.raw, text: message.text)
        }
    }
}
