// CAlsa: alsa-lib for Swift. Wrappers here exist only where Swift cannot call alsa-lib
// directly (variadic functions, macros); each is prefixed `parley_` and says why it exists.
#ifndef PARLEY_CALSA_SHIM_H
#define PARLEY_CALSA_SHIM_H
#include <alsa/asoundlib.h>

// Why: alsa-lib prints its own diagnostics ("ALSA lib pcm_file.c:935:(snd_pcm_file_open) …")
// straight to stderr, which in a daemon lands unstructured in the journal beside our log
// lines, once per retry of a missing device. The handler type is variadic, which Swift cannot
// implement, so the no-op handler lives here. Parley reports every failure itself from the
// returned error code (typed `AlsaError`), so nothing is lost.
static inline void parley_alsa_discard_error(const char *file, int line, const char *function,
                                             int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}

// Why: installs the handler above; a function so that Swift never has to name the variadic
// function-pointer type.
static inline int parley_alsa_silence_library_errors(void) {
    return snd_lib_error_set_handler(parley_alsa_discard_error);
}

#endif
