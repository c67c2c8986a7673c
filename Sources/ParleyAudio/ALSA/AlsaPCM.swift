import CAlsa

/// One open ALSA PCM: signed 16-bit little-endian mono, interleaved read/write access.
///
/// Calls block (`snd_pcm_readi`/`writei` wait for the device), so use an `AlsaPCM` only from a
/// dedicated thread (``CaptureStream``, ``PlaybackSink``), never from the Swift concurrency
/// pool. Not thread-safe; owned by one thread.
public final class AlsaPCM {
    public enum Direction: Sendable, Hashable {
        case capture
        case playback

        var stream: snd_pcm_stream_t {
            switch self {
            case .capture: SND_PCM_STREAM_CAPTURE
            case .playback: SND_PCM_STREAM_PLAYBACK
            }
        }
    }

    public let device: AudioDevice
    public let direction: Direction
    public let sampleRate: SampleRate
    /// The period the device agreed to, in frames (one frame = one mono sample).
    public private(set) var periodFrames: Int = 0
    /// The ring buffer the device agreed to, in frames.
    public private(set) var bufferFrames: Int = 0
    /// Over/underruns recovered since open.
    public private(set) var xrunCount = 0

    private var handle: OpaquePointer?
    // alsa-lib may refer to the configuration tree while the PCM is open: keep it alive.
    private let configuration: AlsaConfiguration?
    private let name: String

    /// Opens and configures the PCM. `periodFrames` is a request; the device may choose a
    /// nearby size (see ``periodFrames`` after opening).
    public init(
        device: AudioDevice, direction: Direction, sampleRate: SampleRate,
        periodFrames requestedPeriod: Int, bufferPeriods: Int = 4
    ) throws(AlsaError) {
        Self.silenceLibraryDiagnostics()
        self.device = device
        self.direction = direction
        self.sampleRate = sampleRate
        self.name = device.description
        var pcm: OpaquePointer?
        let code: Int32
        switch device {
        case .named(let pcmName):
            configuration = nil
            code = snd_pcm_open(&pcm, pcmName, direction.stream, 0)
        case .configured(let pcmName, let text):
            let parsed = try AlsaConfiguration(text: text, device: device.description)
            configuration = parsed
            code = snd_pcm_open_lconf(&pcm, pcmName, direction.stream, 0, parsed.pointer)
        }
        guard code >= 0, let pcm else { throw .openFailed(device.description, code: code) }
        handle = pcm
        do {
            try configureHardware(pcm, period: requestedPeriod, periods: bufferPeriods)
            try configureSoftware(pcm)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Fills `samples` completely from a capture PCM, recovering from overruns.
    ///
    /// The buffer is zeroed first: alsa-lib's `file` plugin, once its `infile` is exhausted,
    /// returns full reads without writing anything, so without this a reader would see the
    /// previous period repeated forever instead of silence.
    public func read(into samples: inout [Int16]) throws(AlsaError) {
        guard let handle else { throw .transferFailed(name, code: -EBADFD) }
        let count = samples.count
        let loop = PCMTransferLoop(device: name)
        let xruns = try samples.withUnsafeMutableBufferPointer { (buffer) throws(AlsaError) -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            base.update(repeating: 0, count: count)
            return try loop.run(
                count: count,
                transfer: { offset, remaining in Int(snd_pcm_readi(handle, base + offset, snd_pcm_uframes_t(remaining))) },
                recover: { code in snd_pcm_recover(handle, code, 1) })
        }
        xrunCount += xruns
    }

    /// Writes all of `samples` to a playback PCM, recovering from underruns.
    public func write(_ samples: [Int16]) throws(AlsaError) {
        guard let handle else { throw .transferFailed(name, code: -EBADFD) }
        let loop = PCMTransferLoop(device: name)
        let xruns = try samples.withUnsafeBufferPointer { (buffer) throws(AlsaError) -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            return try loop.run(
                count: buffer.count,
                transfer: { offset, remaining in Int(snd_pcm_writei(handle, base + offset, snd_pcm_uframes_t(remaining))) },
                recover: { code in snd_pcm_recover(handle, code, 1) })
        }
        xrunCount += xruns
    }

    /// Recovers the stream as if a transfer had returned `code` (`-EPIPE` for an xrun).
    /// Returns false when alsa-lib could not recover.
    @discardableResult
    public func recover(fromErrorCode code: Int32) -> Bool {
        guard let handle else { return false }
        let ok = snd_pcm_recover(handle, code, 1) >= 0
        if ok { xrunCount += 1 }
        return ok
    }

    /// Playback: waits until everything written has been played. Capture: stops.
    public func drain() {
        guard let handle else { return }
        snd_pcm_drain(handle)
    }

    /// Closes the PCM (idempotent).
    public func close() {
        guard let handle else { return }
        snd_pcm_close(handle)
        self.handle = nil
    }

    private func configureHardware(_ pcm: OpaquePointer, period requested: Int, periods: Int) throws(AlsaError) {
        var params: OpaquePointer?
        var code = snd_pcm_hw_params_malloc(&params)
        guard code >= 0, let params else { throw .parameterRejected(name, "hardware parameters", code: code) }
        defer { snd_pcm_hw_params_free(params) }
        try check(snd_pcm_hw_params_any(pcm, params), "any configuration")
        try check(snd_pcm_hw_params_set_access(pcm, params, SND_PCM_ACCESS_RW_INTERLEAVED), "interleaved read/write access")
        try check(snd_pcm_hw_params_set_format(pcm, params, SND_PCM_FORMAT_S16_LE), "format S16_LE")
        try check(snd_pcm_hw_params_set_channels(pcm, params, 1), "mono (1 channel)")
        try check(snd_pcm_hw_params_set_rate(pcm, params, UInt32(sampleRate.rawValue), 0), "rate \(sampleRate)")
        var period = snd_pcm_uframes_t(max(requested, 1))
        var direction: Int32 = 0
        try check(snd_pcm_hw_params_set_period_size_near(pcm, params, &period, &direction), "period \(requested) frames")
        var buffer = period * snd_pcm_uframes_t(max(periods, 2))
        try check(snd_pcm_hw_params_set_buffer_size_near(pcm, params, &buffer), "buffer \(buffer) frames")
        code = snd_pcm_hw_params(pcm, params)
        try check(code, "the hardware parameters")
        var actualPeriod: snd_pcm_uframes_t = 0
        var actualBuffer: snd_pcm_uframes_t = 0
        try check(snd_pcm_hw_params_get_period_size(params, &actualPeriod, &direction), "period size query")
        try check(snd_pcm_hw_params_get_buffer_size(params, &actualBuffer), "buffer size query")
        periodFrames = Int(actualPeriod)
        bufferFrames = Int(actualBuffer)
    }

    private func configureSoftware(_ pcm: OpaquePointer) throws(AlsaError) {
        var params: OpaquePointer?
        let code = snd_pcm_sw_params_malloc(&params)
        guard code >= 0, let params else { throw .parameterRejected(name, "software parameters", code: code) }
        defer { snd_pcm_sw_params_free(params) }
        try check(snd_pcm_sw_params_current(pcm, params), "current software parameters")
        // Capture starts on the first read. Playback starts once two periods are queued, so a
        // brief stall in the producer does not underrun at once.
        let start = direction == .capture ? 1 : min(bufferFrames, periodFrames * 2)
        try check(snd_pcm_sw_params_set_start_threshold(pcm, params, snd_pcm_uframes_t(start)), "start threshold")
        try check(snd_pcm_sw_params_set_avail_min(pcm, params, snd_pcm_uframes_t(periodFrames)), "avail_min")
        try check(snd_pcm_sw_params(pcm, params), "the software parameters")
    }

    private func check(_ code: Int32, _ what: String) throws(AlsaError) {
        if code < 0 { throw .parameterRejected(name, what, code: code) }
    }

    private static let diagnosticsSilenced: Bool = {
        parley_alsa_silence_library_errors() >= 0
    }()

    /// alsa-lib's own stderr diagnostics are replaced by Parley's typed errors (see CAlsa/shim.h).
    static func silenceLibraryDiagnostics() {
        _ = diagnosticsSilenced
    }
}
