/// Which ALSA PCM to open.
public enum AudioDevice: Sendable, Hashable, CustomStringConvertible {
    /// A PCM name as `arecord -L` / `aplay -L` list it: `default`, `plughw:CARD=Device,DEV=0`,
    /// or a plugin with arguments such as `file:'/tmp/out.raw',raw`.
    case named(String)
    /// A PCM defined by ALSA configuration text held in memory (loaded with `snd_config_load`
    /// and opened with `snd_pcm_open_lconf`), without touching the system's asound.conf. Used by
    /// tests and the simulator, e.g. `pcm.cap { type file slave.pcm { type null } file "/dev/null"
    /// infile "/tmp/in.raw" format raw }` with `name` `cap`.
    case configured(name: String, configuration: String)

    /// The name logged as `audio.device`.
    public var description: String {
        switch self {
        case .named(let name): name
        case .configured(let name, _): "\(name) (in-process configuration)"
        }
    }

    /// A capture PCM that reads raw S16_LE samples from `infile`, over a `null` slave: the file's
    /// samples come out of the capture, then silence. Unpaced: reads return at once.
    public static func rawFileCapture(name: String = "cap", infile: String) -> AudioDevice {
        .configured(
            name: name,
            configuration: """
                pcm.\(name) { type file slave.pcm { type null } file "/dev/null" infile "\(infile)" format raw }
                """)
    }

    /// A playback PCM that writes raw S16_LE samples to `path` (alsa-lib's `file` plugin over `null`).
    public static func rawFilePlayback(path: String) -> AudioDevice {
        .named("file:'\(path)',raw")
    }
}
