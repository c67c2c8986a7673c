/// What a ``CaptureStream`` delivers, in order.
public enum CaptureEvent: Sendable {
    /// The device opened (first time, or again after being down).
    case up(CaptureDeviceInfo)
    /// One block of audio.
    case frame(AudioFrame)
    /// The device could not be opened, or failed while reading. The stream keeps retrying
    /// every `retryDelay` and sends `.up` when it succeeds; retries are not reported.
    case down(AlsaError)
}

/// The parameters a capture device agreed to.
public struct CaptureDeviceInfo: Sendable, Hashable {
    public var device: AudioDevice
    public var sampleRate: SampleRate
    public var periodFrames: Int
    public var bufferFrames: Int
}
