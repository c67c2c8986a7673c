// Placeholder: the DSP module lands with the radio-channels issue.
