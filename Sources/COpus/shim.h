// COpus: libopus, libogg and libopusenc for Swift. `opus_encoder_ctl` and `ope_encoder_ctl`
// are variadic, so every request Parley uses gets a `parley_` static inline wrapper here.
#ifndef PARLEY_COPUS_SHIM_H
#define PARLEY_COPUS_SHIM_H
#include <opus.h>
#include <ogg/ogg.h>
#include <opusenc.h>
#endif
