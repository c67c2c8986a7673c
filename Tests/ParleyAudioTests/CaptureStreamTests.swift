import Foundation
import Logging
@testable import ParleyAudio
import ParleyTestSupport
import Synchronization
import Testing

struct CaptureStreamTests {
    struct Enough: Error {}

    /// Collects events until `stop` says so, then ends the stream by throwing.
    static func collect(
        _ stream: CaptureStream, until stop: @escaping ([CaptureEvent]) -> Bool
    ) async throws -> [CaptureEvent] {
        var events: [CaptureEvent] = []
        do {
            try await stream.run { event in
                events.append(event)
                if stop(events) { throw Enough() }
            }
        } catch is Enough {}
        return events
    }

    static func frames(_ events: [CaptureEvent]) -> [AudioFrame] {
        events.compactMap { if case .frame(let frame) = $0 { frame } else { nil } }
    }

    @Test(arguments: SampleRate.supported)
    func deliversTheInfileInOrderWithAMonotonicSampleIndex(rate: SampleRate) async throws {
        let scratch = TemporaryDirectory()
        let infile = scratch.file("in.raw")
        let period = rate.rawValue / 50
        let audio = ramp(period * 25)
        try RawPCM.write(audio, to: infile)
        let log = LogCapture()
        // A queue much smaller than the input: the unpaced source must wait for the consumer
        // rather than lose frames.
        let stream = CaptureStream(
            channel: "north", configuration: CaptureConfiguration(device: .rawFileCapture(infile: infile), sampleRate: rate, queueCapacity: 3),
            logger: log.logger())
        let events = try await Self.collect(stream) { Self.frames($0).count == 30 }
        guard case .up(let info) = events.first else {
            Issue.record("first event is not .up: \(String(describing: events.first))")
            return
        }
        #expect(info.periodFrames == period)
        let frames = Self.frames(events)
        #expect(frames.map(\.sampleIndex) == (0..<30).map { UInt64($0 * period) })
        #expect(frames.allSatisfy { $0.samples.count == period && $0.sampleRate == rate && $0.duration == .milliseconds(20) })
        let samples = frames.flatMap(\.samples)
        #expect(Array(samples.prefix(audio.count)) == audio)
        #expect(samples.dropFirst(audio.count).allSatisfy { $0 == 0 })  // end of infile: silence
        #expect(log.count("Audio capture device up") == 1)
        #expect(log.records.first?.metadata["channel.id"] == "north")
    }

    /// Runs the stream in a task until `done` holds (polled; at most 10 s), then cancels it
    /// (graceful shutdown) and returns what it delivered.
    static func collect(_ stream: CaptureStream, until done: () -> Bool) async throws -> [CaptureEvent] {
        let task = Task { try await collect(stream) { _ in false } }
        let deadline = ContinuousClock.now + .seconds(10)
        while !done() && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        task.cancel()
        return try await task.value
    }

    @Test func aNonexistentDeviceIsReportedDownOnceAndRetriedQuietly() async throws {
        let log = LogCapture()
        let stream = CaptureStream(
            channel: "south",
            configuration: CaptureConfiguration(device: .named("parley_no_such_pcm"), sampleRate: .hz8000, retryDelay: .milliseconds(10)),
            logger: log.logger())
        // Polled on both: the retries are logged by the capture thread, the `.down` event reaches
        // the consumer through the queue; under load either can come first.
        let delivered = Mutex(0)
        let task = Task {
            try await Self.collect(stream) { events in
                delivered.withLock { $0 = events.count }
                return false
            }
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while (delivered.withLock { $0 } < 1 || log.count("Audio capture device still unavailable") < 5), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        task.cancel()
        let events = try await task.value
        #expect(events.count == 1)
        guard case .down(let error) = events.first else {
            Issue.record("expected .down, got \(events)")
            return
        }
        #expect(error.isMissingDevice)
        #expect(log.count("Audio capture device down") == 1)
        #expect(log.count("Audio capture device still unavailable") >= 5)  // retried, at debug only
        let down = log.records.first { $0.message == "Audio capture device down" }
        #expect(down?.level == .warning)
        #expect(down?.metadata["audio.device"] == "parley_no_such_pcm")
        let errorText = down?.metadata["audio.error"].map { "\($0)" } ?? ""
        #expect(errorText.contains("cannot open ALSA device"))
    }

    @Test func aDeviceThatAppearsLaterComesUpWithOneLogLinePerChange() async throws {
        let scratch = TemporaryDirectory()
        let infile = scratch.file("late.raw")
        let log = LogCapture()
        let stream = CaptureStream(
            channel: "east",
            configuration: CaptureConfiguration(device: .rawFileCapture(infile: infile), sampleRate: .hz16000, retryDelay: .milliseconds(10)),
            logger: log.logger())
        let task = Task { try await Self.collect(stream) { Self.frames($0).count == 3 } }
        while log.count("Audio capture device still unavailable") < 3 { try await Task.sleep(for: .milliseconds(5)) }
        try RawPCM.write(ramp(960), to: infile)  // the "device" is plugged in
        let events = try await task.value
        #expect(events.count == 5)
        guard events.count == 5, case .down = events[0], case .up = events[1] else {
            Issue.record("expected down, up, frames: \(events)")
            return
        }
        #expect(Self.frames(events).flatMap(\.samples) == ramp(960))
        #expect(log.count("Audio capture device down") == 1)
        #expect(log.count("Audio capture device up") == 1)
        #expect(log.count("Audio capture device still unavailable") >= 3)
    }

    @Test func cancellationInterruptsTheRetryDelay() async throws {
        let stream = CaptureStream(
            channel: "west",
            configuration: CaptureConfiguration(device: .named("parley_no_such_pcm"), sampleRate: .hz8000, retryDelay: .seconds(60)),
            logger: LogCapture().logger())
        let started = ContinuousClock.now
        let events = try await Self.collect(stream) { ContinuousClock.now - started > .milliseconds(50) }
        #expect(events.count <= 1)  // at most .down; the next attempt would be a minute away
        // Well under the 60 s retry delay: cancellation cut the wait short. (Generous, so that a
        // loaded CI machine cannot fail it; no tight upper bounds on wall time in unit tests.)
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test(arguments: [(CaptureConfiguration.Pacing.device, 250), (.realTime, 50)])
    func pacing(pacing: CaptureConfiguration.Pacing, frameCount: Int) async throws {
        let scratch = TemporaryDirectory()
        let infile = scratch.file("in.raw")
        try RawPCM.write(ramp(320 * frameCount), to: infile)
        let stream = CaptureStream(
            channel: "north",
            configuration: CaptureConfiguration(device: .rawFileCapture(infile: infile), sampleRate: .hz16000, pacing: pacing),
            logger: LogCapture().logger())
        let started = ContinuousClock.now
        let events = try await Self.collect(stream) { Self.frames($0).count == frameCount }
        let elapsed = ContinuousClock.now - started
        let frames = Self.frames(events)
        #expect(frames.flatMap(\.samples) == ramp(320 * frameCount))
        let audio = Duration.milliseconds(20 * frameCount)
        switch pacing {
        case .device:
            // The file plugin does not pace: the audio arrives as fast as it is taken. How fast
            // that is depends on the machine's load, so it is not asserted here (unit tests
            // carry no wall-clock upper bounds); every sample must arrive, in order.
            _ = elapsed
        case .realTime:
            // No faster than real time.
            #expect(elapsed >= audio - .milliseconds(20))
            #expect(frames.last!.capturedAt - frames.first!.capturedAt >= audio - .milliseconds(100))
        }
    }
}

struct DeviceHealthTests {
    @Test(arguments: [
        // o = opened, f = failed (reason a/b); U/D = change reported, - = none
        ("o", "U"),
        ("f", "D"),
        ("ffff", "D---"),
        ("fafb", "D---"),
        ("fffo", "D--U"),
        ("offfo", "UD--U"),
        ("oo", "U-"),
        ("ofofo", "UDUDU"),
    ])
    func oneChangePerTransition(script: String, expected: String) {
        var health = DeviceHealth()
        var out = ""
        var reasons = ["a", "b"].makeIterator()
        for step in script {
            let change: DeviceHealth.Change?
            switch step {
            case "o": change = health.opened()
            case "f": change = health.failed(reason: "x")
            default: change = health.failed(reason: reasons.next() ?? "c")
            }
            out.append(change == .cameUp ? "U" : change == .wentDown ? "D" : "-")
        }
        #expect(out == expected)
    }
}
