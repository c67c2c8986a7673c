import ParleyControlServer
import ParleyRadio

/// The control socket's view of the channels: the channel set has exactly the methods.
extension RadioChannelSet: RadioControl {}
