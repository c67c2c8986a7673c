import CAlsa

/// What to do when `snd_pcm_readi`/`snd_pcm_writei` return a negative code.
enum PCMTransferAction: Sendable, Hashable {
    /// Interrupted or momentarily unavailable: call again.
    case retry
    /// Over/underrun (`-EPIPE`) or suspend (`-ESTRPIPE`): `snd_pcm_recover`, then continue.
    case recover
    /// Anything else (device gone, bad state, I/O error): give up on this device handle.
    case fail

    init(code: Int32) {
        switch -code {
        case EINTR, EAGAIN: self = .retry
        case EPIPE, ESTRPIPE: self = .recover
        default: self = .fail
        }
    }
}

/// Moves `count` frames through a PCM, retrying and recovering per ``PCMTransferAction``.
/// The transfer and recover calls are injected so tests can provoke xruns a userspace plugin
/// never produces.
struct PCMTransferLoop {
    /// Consecutive recoveries or empty transfers without progress before giving up.
    static let maximumAttemptsWithoutProgress = 16

    var device: String

    /// `transfer(offset, remaining)` returns frames moved or a negative error code;
    /// `recover(code)` returns 0 or a negative code. Returns the number of xruns recovered.
    func run(
        count: Int,
        transfer: (_ offset: Int, _ remaining: Int) -> Int,
        recover: (_ code: Int32) -> Int32
    ) throws(AlsaError) -> Int {
        var done = 0
        var xruns = 0
        var stalled = 0
        while done < count {
            let result = transfer(done, count - done)
            if result > 0 {
                done += result
                stalled = 0
                continue
            }
            stalled += 1
            let code = Int32(truncatingIfNeeded: result)
            if result == 0 {
                guard stalled < Self.maximumAttemptsWithoutProgress else { throw .transferFailed(device, code: -EIO) }
                continue
            }
            switch PCMTransferAction(code: code) {
            case .retry:
                guard stalled < Self.maximumAttemptsWithoutProgress else { throw .transferFailed(device, code: code) }
            case .recover:
                guard stalled < Self.maximumAttemptsWithoutProgress else { throw .xrunStorm(device, code: code) }
                let recovered = recover(code)
                guard recovered >= 0 else { throw .transferFailed(device, code: recovered) }
                xruns += 1
            case .fail:
                throw .transferFailed(device, code: code)
            }
        }
        return xruns
    }
}
