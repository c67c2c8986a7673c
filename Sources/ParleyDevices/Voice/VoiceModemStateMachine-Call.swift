import ParleyCore

/// Requests from the telephony layer, the call's voice streams, timeouts, faults and resets.
extension VoiceModemStateMachine {
    // MARK: Requests

    /// Answers the ringing call: `ATA`, then voice receive.
    public mutating func answer(at time: Instant) -> [Action] {
        let now = advanceClock(time)
        runUnit { machine in
            guard case .ringing(var ringing) = machine.state else { return machine.ignored("answer") }
            machine.reportCallerID(&ringing)
            machine.state = .answering
            machine.send("ATA", at: now)
        }
        return takeOutput()
    }

    /// Ends the call: stops the voice stream (`<DLE>!`, or `<DLE><CAN><DLE><ETX>` while
    /// transmitting), then `ATH`. ``VoiceModemEvent/hungUp`` follows when the line is on hook.
    /// Ignored while the call is only ringing (an analogue line cannot refuse a call without
    /// answering it) and when there is no call.
    public mutating func hangUp(at time: Instant) -> [Action] {
        let now = advanceClock(time)
        runUnit { machine in
            switch machine.state {
            case .connected, .sending, .answering, .startingReceive, .stoppingReceive, .startingTransmit, .dialling:
                machine.endCall(at: now)
            case .abortingTransmit, .goingOnHook, .transferOnHook:
                return  // Already going on hook.
            default:
                machine.ignored("hang up")
            }
        }
        return takeOutput()
    }

    /// Passes the call on: stops receive, hook flash and dial (`ATD!<number>`), then on hook.
    /// `number` may hold digits, `*`, `#`, `A`–`D`, `+`, and the pauses `,` and `W`.
    public mutating func transfer(to number: String, at time: Instant) -> [Action] {
        let now = advanceClock(time)
        runUnit { machine in
            guard Self.isDialable(number) else {
                return machine.ignored("transfer to \(number.debugDescription) (not a dialable number)")
            }
            guard machine.request != .hangUp else { return machine.ignored("transfer") }
            switch machine.state {
            case .connected:
                machine.request = .transfer(number)
                machine.stopReceive(at: now)
            case .answering, .startingReceive, .stoppingReceive, .startingTransmit, .sending:
                machine.request = .transfer(number)
            default:
                machine.ignored("transfer")
            }
        }
        return takeOutput()
    }

    /// Queues audio to play to the caller (16-bit samples at the configured rate). Receive
    /// pauses while it plays; ``VoiceModemEvent/transmitFinished`` follows.
    public mutating func transmit(_ samples: [Int16], at time: Instant) -> [Action] {
        let now = advanceClock(time)
        runUnit { machine in
            guard !samples.isEmpty else { return }
            switch machine.state {
            case .connected:
                machine.pendingTransmit += samples
                machine.stopReceive(at: now)
            case .answering, .startingReceive, .stoppingReceive, .startingTransmit, .sending, .dialling:
                if machine.request == .hangUp {
                    machine.emit(.notice(.transmitDropped(samples: samples.count)))
                } else {
                    machine.pendingTransmit += samples
                }
            default:
                machine.emit(.notice(.transmitDropped(samples: samples.count)))
            }
        }
        return takeOutput()
    }

    static func isDialable(_ number: String) -> Bool {
        let allowed = Set("0123456789*#ABCD+,W".unicodeScalars)
        return !number.isEmpty && number.unicodeScalars.count <= 40 && number.unicodeScalars.allSatisfy(allowed.contains)
    }

    mutating func ignored(_ request: String) {
        emit(.notice(.requestIgnored(request, phase: phase)))
    }

    // MARK: Call flow

    /// The modem is in command mode and off hook: do what was asked, else play queued audio,
    /// else (re)start voice receive.
    mutating func continueCall(at now: Instant) {
        let current = phase
        streamMode = .command
        switch request {
        case .hangUp:
            send("ATH", at: now)
            state = .goingOnHook
        case .transfer(let number):
            request = nil
            // Hook flash, dial tone and the digits take a while before the modem answers.
            send("ATD!\(number)", at: now, timeout: configuration.responseTimeout + .seconds(15))
            state = .dialling(number)
        case nil:
            if pendingTransmit.isEmpty {
                send("AT+VRX", at: now)
                state = .startingReceive(phase: current)
            } else {
                send("AT+VTX", at: now)
                state = .startingTransmit
            }
        }
    }

    mutating func stopReceive(at now: Instant) {
        emit(.write(VoiceModemShielding.receiveAbort))
        state = .stoppingReceive(awaitingResult: false)
        expect("the end of the voice stream after <DLE>!", at: now)
    }

    /// `AT+VTX` answered `CONNECT`: hand over the queued audio and its `<DLE><ETX>`.
    mutating func startSending(at now: Instant) {
        let samples = pendingTransmit
        pendingTransmit = []
        let format = configuration.voiceFormat
        emit(.sendAudio(format.encode(samples), samples: samples.count))
        emit(.write(VoiceModemShielding.endOfStream))
        state = .sending
        expect("OK after the transmitted audio", at: now,
               timeout: format.duration(ofSamples: samples.count) + configuration.responseTimeout)
    }

    /// Hang up from wherever the call is: at once from a voice stream, else at the next point
    /// the modem is in command mode (``continueCall(at:)``).
    mutating func endCall(at now: Instant) {
        request = .hangUp
        pendingTransmit = []
        switch state {
        case .connected:
            stopReceive(at: now)
        case .sending:
            emit(.discardOutput)
            emit(.write(VoiceModemShielding.transmitAbort))
            state = .abortingTransmit
            expect("the end of the transmission after <DLE><CAN><DLE><ETX>", at: now)
        default:
            break
        }
    }

    /// The far end went: report it (once per call) and ask for the hang-up, which the caller
    /// starts (``endCall(at:)`` from a voice stream, ``continueCall(at:)`` in command mode).
    /// Returns false if it was already reported.
    @discardableResult
    mutating func farEndCleared(reason: String) -> Bool {
        guard callInProgress, !farEndReported else { return false }
        farEndReported = true
        emit(.farEndHungUp(reason: reason))
        request = .hangUp
        pendingTransmit = []
        return true
    }

    // MARK: Voice streams

    mutating func handleReceived(_ item: VoiceModemShieldingDecoder.Item, at now: Instant) {
        switch item {
        case .data(let bytes):
            if case .resetting = state { return }
            emit(.audio(configuration.voiceFormat.decode(bytes)))
        case .code(let code):
            handleCode(code, at: now)
        case .endOfStream:
            streamMode = .command
            parser.reset()
            switch state {
            case .connected:
                // The modem ended the stream itself (loop current gone, its inactivity timer):
                // its result line says why.
                streamEndedByModem = true
                state = .stoppingReceive(awaitingResult: true)
                expect("the result after the voice stream ended", at: now)
            case .stoppingReceive:
                state = .stoppingReceive(awaitingResult: true)
                expect("OK after <DLE>!", at: now)
            default:
                break
            }
        }
    }

    mutating func handleCode(_ code: UInt8, at now: Instant) {
        if case .resetting = state { return }
        if let digit = VoiceModemTone.dtmfDigit(code: code) {
            emit(.dtmf(digit))
            return
        }
        guard let tone = VoiceModemTone(code: code) else {
            reportMalformed(ATMalformedInput(reason: .garbage, bytes: [VoiceModemShielding.dle, code], length: 2))
            return
        }
        emit(.tone(tone))
        let endsCall = switch tone {
        case .busy, .dialTone, .polarityReversal: true
        case .silence: configuration.silenceEndsCall
        case .tdd, .other: false
        }
        if endsCall, farEndCleared(reason: tone.description) { endCall(at: now) }
    }

    // MARK: Timeouts, faults and reset

    mutating func expire(at now: Instant) {
        let timeout = configuration.responseTimeout
        switch state {
        case .offline:
            deadline = nil
        case .idle:
            if let due = probeDeadline, due <= now {
                fail(
                    "the voice modem stopped answering (no reply to AT within \(timeout)) — resetting it (ATZ); "
                        + "check its power and cable if this repeats", at: now)
            } else if let due = nextProbe, due <= now {
                nextProbe = nil
                emit(.write(Array("AT\r".utf8)))
                probeDeadline = now.advanced(by: timeout)
            }
        case .ringing(var ringing):
            if let line = ringing.lastCallerIDLine, line.advanced(by: Self.callerIDSettle) <= now {
                reportCallerID(&ringing)
                state = .ringing(ringing)
            }
            if ringing.lastSignal.advanced(by: configuration.ringTimeout) <= now {
                reportCallerID(&ringing)
                emit(.abandoned)
                enterIdle(at: now)
            }
        case .resetting(.waiting):
            beginReset(at: now)
        case .resetting(.abortingStream), .resetting(.awaitingReset):
            sendReset(at: now)
        case .connected:
            fail(
                "the voice modem stopped sending voice data for \(timeout) during a call — the call is lost; "
                    + "resetting the modem (ATZ)", at: now)
        default:
            fail(
                "the voice modem did not answer \(awaiting) within \(timeout) — resetting it (ATZ); check its "
                    + "power and cable if this repeats", at: now)
        }
    }

    /// Reports a fault (once until recovered), ends any call and resets the modem now.
    mutating func fail(_ message: String, at now: Instant) {
        reportFault(message)
        endLostCall()
        beginReset(at: now)
    }

    /// Reports a fault and resets the modem after a response timeout (it refused a command:
    /// retrying at once would only hammer it).
    mutating func failAndRetry(_ message: String, at now: Instant) {
        reportFault(message)
        endLostCall()
        clearLink()
        state = .resetting(.waiting(until: now.advanced(by: configuration.responseTimeout)))
        deadline = nil
    }

    mutating func reportFault(_ message: String) {
        guard !faultOutstanding else { return }
        faultOutstanding = true
        emit(.fault(message))
    }

    /// The call (if any) is lost: drop queued audio and tell the telephony layer.
    mutating func endLostCall() {
        if state == .sending { emit(.discardOutput) }
        let wasInCall = callInProgress
        clearCall()
        if wasInCall { emit(.hungUp) }
    }

    /// Stops a voice stream the modem may be in, then `ATZ`.
    mutating func beginReset(at now: Instant) {
        probeDeadline = nil
        nextProbe = nil
        switch streamMode {
        case .receive:
            emit(.write(VoiceModemShielding.receiveAbort))
        case .transmit:
            emit(.write(VoiceModemShielding.transmitAbort))
        case .command:
            return sendReset(at: now)
        }
        state = .resetting(.abortingStream)
        expect("the end of the voice stream before ATZ", at: now)
    }

    mutating func sendReset(at now: Instant) {
        clearLink()
        state = .resetting(.awaitingReset)
        send("ATZ", at: now)
    }
}
