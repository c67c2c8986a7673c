// COpus: libopus, libogg and libopusenc for Swift. `opus_encoder_ctl` and `ope_encoder_ctl`
// are variadic, so every request Parley uses gets a `parley_` static inline wrapper here.
#ifndef PARLEY_COPUS_SHIM_H
#define PARLEY_COPUS_SHIM_H
#include <opus.h>
#include <ogg/ogg.h>
#include <opusenc.h>

// Why (all opus_encoder_ctl wrappers): opus_encoder_ctl is variadic and its requests are
// macros (OPUS_SET_BITRATE(x) expands to a request id plus a type-checked argument); Swift
// can call neither. One wrapper per request Parley uses; each returns the OPUS_* error code.

static inline int parley_opus_set_bitrate(OpusEncoder *encoder, opus_int32 bitsPerSecond) {
    return opus_encoder_ctl(encoder, OPUS_SET_BITRATE(bitsPerSecond));
}

static inline int parley_opus_set_complexity(OpusEncoder *encoder, opus_int32 complexity) {
    return opus_encoder_ctl(encoder, OPUS_SET_COMPLEXITY(complexity));
}

// The encoder's look-ahead in samples at its own rate; ×(48000/rate) gives the Ogg pre-skip.
static inline int parley_opus_get_lookahead(OpusEncoder *encoder, opus_int32 *samples) {
    return opus_encoder_ctl(encoder, OPUS_GET_LOOKAHEAD(samples));
}

// Why (all ope_encoder_ctl wrappers): the same for libopusenc's variadic ope_encoder_ctl.
// Parley records with libopus + libogg (measured cheaper: docs/BENCHMARKS.md); libopusenc is
// kept for `parley-bench recorder`, which measures the two side by side.

static inline int parley_ope_set_bitrate(OggOpusEnc *encoder, opus_int32 bitsPerSecond) {
    return ope_encoder_ctl(encoder, OPUS_SET_BITRATE(bitsPerSecond));
}

static inline int parley_ope_set_complexity(OggOpusEnc *encoder, opus_int32 complexity) {
    return ope_encoder_ctl(encoder, OPUS_SET_COMPLEXITY(complexity));
}

static inline int parley_ope_set_application_voip(OggOpusEnc *encoder) {
    return ope_encoder_ctl(encoder, OPUS_SET_APPLICATION(OPUS_APPLICATION_VOIP));
}

static inline int parley_ope_set_frame_duration_20ms(OggOpusEnc *encoder) {
    return ope_encoder_ctl(encoder, OPUS_SET_EXPERT_FRAME_DURATION(OPUS_FRAMESIZE_20_MS));
}

#endif
