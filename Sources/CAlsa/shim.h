// CAlsa: alsa-lib for Swift. Wrappers here exist only where Swift cannot call alsa-lib
// directly (variadic functions, macros); each is prefixed `parley_` and says why it exists.
#ifndef PARLEY_CALSA_SHIM_H
#define PARLEY_CALSA_SHIM_H
#include <alsa/asoundlib.h>
#endif
