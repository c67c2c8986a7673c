import CAlsa
import COpus
// Placeholder: the audio module lands with the radio-channels issue.
