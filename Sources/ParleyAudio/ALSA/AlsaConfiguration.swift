import CAlsa

/// ALSA configuration text parsed into an in-memory `snd_config_t` tree, for
/// `snd_pcm_open_lconf`. Owns the tree and frees it when released.
final class AlsaConfiguration {
    let pointer: OpaquePointer

    init(text: String, device: String) throws(AlsaError) {
        var top: OpaquePointer?
        var code = snd_config_top(&top)
        guard code >= 0, let top else { throw .configurationInvalid(device, code: code) }
        var input: OpaquePointer?
        let bytes = Array(text.utf8)
        code = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                snd_input_buffer_open(&input, chars.baseAddress, chars.count)
            }
        }
        guard code >= 0, let input else {
            snd_config_delete(top)
            throw .configurationInvalid(device, code: code)
        }
        code = snd_config_load(top, input)
        snd_input_close(input)
        guard code >= 0 else {
            snd_config_delete(top)
            throw .configurationInvalid(device, code: code)
        }
        pointer = top
    }

    deinit { snd_config_delete(pointer) }
}
