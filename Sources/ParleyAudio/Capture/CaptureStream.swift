import Foundation
import Logging

/// A channel's audio input: reads its ALSA capture device on a dedicated thread and hands
/// frames, and device up/down changes, to async code through a bounded queue.
///
/// ```swift
/// let capture = CaptureStream(channel: "north", configuration: config, logger: logger)
/// try await capture.run { event in
///     switch event {
///     case .frame(let frame): recorder.append(frame) // and VOX, level meters…
///     case .up, .down: …                              // channel state events
///     }
/// }
/// ```
/// `run` returns when its task is cancelled (graceful shutdown) or rethrows what the consumer
/// throws; either way the thread has stopped and the device is closed when it returns.
/// A missing or failing device never ends the stream: it is reported `.down`, reopened every
/// `retryDelay`, and reported `.up` again — one log line per change, not per retry.
public struct CaptureStream: Sendable {
    public let channel: String
    public let configuration: CaptureConfiguration
    private let logger: Logger

    public init(channel: String, configuration: CaptureConfiguration, logger: Logger) {
        self.channel = channel
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "channel.id"] = "\(channel)"
        logger[metadataKey: "audio.device"] = "\(configuration.device)"
        self.logger = logger
    }

    public func run(_ consume: (CaptureEvent) async throws -> Void) async throws {
        let handoff = BoundedHandoff<CaptureEvent>(capacity: configuration.queueCapacity)
        let stop = StopSignal()
        let exit = ThreadExit()
        let reader = CaptureReader(configuration: configuration, logger: logger, handoff: handoff, stop: stop)
        let thread = Thread {
            reader.run()
            handoff.finish()
            exit.signal()
        }
        thread.name = "parley-capture-\(channel)"
        thread.start()

        func shutDown() async {
            stop.stop()
            handoff.cancel()
            await exit.wait()
        }

        do {
            try await withTaskCancellationHandler {
                while let event = await handoff.pop() {
                    try await consume(event)
                }
            } onCancel: {
                stop.stop()
                handoff.cancel()
            }
        } catch {
            await shutDown()
            throw error
        }
        await shutDown()
    }
}
