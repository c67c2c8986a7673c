import ParleyControlServer
import ParleyTelephony

/// The control socket's view of the telephone lines: the switchboard has exactly the methods.
extension Switchboard: TelephonyControl {}
