// Placeholder: the device adapters land with the radio-channels issue.
