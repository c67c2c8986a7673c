import ParleyCore

/// What a voice modem line tells the telephony layer.
///
/// A call on the line goes `ringing`… → `answered` → (`dtmf`, `tone`, `transmitFinished`)… →
/// `hungUp`; `farEndHungUp` comes first when the caller cleared, `transferred` when the call was
/// passed on; `abandoned` when the caller gave up before it was answered. `hungUp` always means
/// the line is back on hook and free, whichever side ended the call.
public enum VoiceModemEvent: Sendable, Hashable {
    /// The modem is initialised and waiting for calls (once, after the first initialisation;
    /// later ones after a fault report ``recovered``).
    case ready
    /// A ring burst; `count` is 1 for the first. `callerID` is what has arrived so far.
    case ringing(count: Int, callerID: CallerID?)
    /// The caller-ID block for the call that is ringing (reported once it is complete).
    case callerID(CallerID)
    /// Ringing stopped before the call was answered: the caller gave up.
    case abandoned
    /// The line is off hook and connected to the caller.
    case answered
    /// A DTMF digit from the far end (`0`–`9`, `*`, `#`, `A`–`D`).
    case dtmf(Character)
    /// A tone or line condition the modem detected during the call.
    case tone(VoiceModemTone)
    /// The far end cleared (busy or dial tone, silence, polarity reversal, `NO CARRIER`);
    /// reported once per call, before the driver goes on hook.
    case farEndHungUp(reason: String)
    /// The line is back on hook after a call.
    case hungUp
    /// The call was passed on by hook flash to `to`; ``hungUp`` follows.
    case transferred(to: String)
    /// The hook-flash transfer to `to` failed (`reason`: the modem's result); the caller is
    /// still on the line and receive has resumed.
    case transferFailed(to: String, reason: String)
    /// The audio queued with `transmit` has been played (or refused by the modem: see the log).
    case transmitFinished
    /// The modem or its device failed; the text says what and what to do. Reported once until
    /// ``recovered``.
    case fault(String)
    /// The modem answers again and is initialised after a fault.
    case recovered
    /// The modem sent bytes that could not be read (logged in hex and counted).
    case malformed(ATMalformedInput)
}

/// The phases of a voice modem line, for logs and status.
public enum VoiceModemPhase: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The device is not open.
    case offline
    /// Sending the initialisation commands.
    case initialising
    /// On hook, waiting for a call.
    case idle
    /// A call is being offered (rings and/or caller ID).
    case ringing
    /// Going off hook (`ATA`) and starting voice receive.
    case answering
    /// In a call, receiving the caller's audio.
    case connected
    /// In a call, playing audio to the caller (receive is paused: the line is half duplex).
    case transmitting
    /// Ending the call and going on hook.
    case hangingUp
    /// Passing the call on by hook flash.
    case transferring
    /// Resetting a modem that failed or stopped answering (`ATZ`), or waiting to retry.
    case resetting

    public var description: String { rawValue }
}

/// Something the driver did not act on, for the log (not for the telephony layer).
public enum VoiceModemNotice: Sendable, Hashable, CustomStringConvertible {
    /// A line the driver did not expect in this phase; skipped.
    case unexpectedLine(String, phase: VoiceModemPhase)
    /// A request the phase does not allow (answer with nothing ringing, …); ignored.
    case requestIgnored(String, phase: VoiceModemPhase)
    /// Audio handed to transmit while no call is up; dropped.
    case transmitDropped(samples: Int)
    /// The modem refused a command the call can do without (`AT+VTX`); `response` is its answer.
    case commandRefused(command: String, response: String)
    /// A caller-ID line with an unreadable value (`DATE=1341`); left out.
    case callerIDUnreadable(String)

    public var description: String {
        switch self {
        case .unexpectedLine(let line, let phase): "unexpected line \(line.debugDescription) while \(phase)"
        case .requestIgnored(let request, let phase): "\(request) ignored while \(phase)"
        case .transmitDropped(let samples): "\(samples) samples to transmit dropped: no call is up"
        case .commandRefused(let command, let response): "\(command) refused: \(response)"
        case .callerIDUnreadable(let line): "unreadable caller-ID line \(line.debugDescription)"
        }
    }
}
