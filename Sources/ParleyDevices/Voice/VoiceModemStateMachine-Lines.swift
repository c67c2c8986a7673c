import ParleyCore

/// Command-mode lines: initialisation, idle, ringing and caller ID, and the results of the
/// commands sent during a call.
extension VoiceModemStateMachine {
    mutating func handle(_ output: ATParserOutput, at now: Instant) {
        let response: ATResponse
        switch output {
        case .malformed(let input):
            if case .resetting = state { return }  // Leftover voice data while the modem resets.
            reportMalformed(input)
            return
        case .response(let parsed):
            response = parsed
        }
        if case .echo = response { return }  // The modem echoing until ATE0 takes effect.
        if probeDeadline != nil, response.isFinal {
            // The idle `AT` probe's answer (results come in the order the commands went).
            probeDeadline = nil
            if state == .idle { scheduleProbe(at: now) }
            return
        }
        switch state {
        case .offline:
            return
        case .initialising(let index):
            initialisationResult(response, index: index, at: now)
        case .idle:
            idleLine(response, at: now)
        case .ringing(var ringing):
            ringingLine(response, ringing: &ringing, at: now)
        case .answering:
            answerResult(response, at: now)
        case .startingReceive:
            receiveStartResult(response, at: now)
        case .connected:
            unexpected(response)  // Cannot happen: the stream is in voice mode.
        case .stoppingReceive(let awaitingResult):
            guard awaitingResult, response.isFinal else { return unexpected(response) }
            receiveStopResult(response, at: now)
        case .startingTransmit:
            transmitStartResult(response, at: now)
        case .sending:
            transmitResult(response, at: now)
        case .abortingTransmit:
            guard response.isFinal else { return unexpected(response) }
            streamMode = .command
            send("ATH", at: now)
            state = .goingOnHook
        case .goingOnHook:
            onHookResult(response, at: now)
        case .dialling(let number):
            dialResult(response, number: number, at: now)
        case .transferOnHook(let number):
            transferOnHookResult(response, number: number, at: now)
        case .resetting(let step):
            resetResult(response, step: step, at: now)
        }
    }

    mutating func unexpected(_ response: ATResponse) {
        emit(.notice(.unexpectedLine(response.description, phase: phase)))
    }

    // MARK: Initialisation

    /// Sends `commands[index]` (or finishes when there are no more).
    mutating func startInitialising(from index: Int, at now: Instant) {
        guard index < commands.count else { return finishInitialising(at: now) }
        state = .initialising(index: index)
        send(commands[index], at: now)
    }

    mutating func initialisationResult(_ response: ATResponse, index: Int, at now: Instant) {
        switch response {
        case .ok:
            startInitialising(from: index + 1, at: now)
        case .ring, .prefixed:
            return  // A call ringing during initialisation rings again; information lines are fine.
        case .text(let text) where text == "VCON" || VoiceModemCallerIDLine(text) != nil:
            return
        case .error, .equipmentError, .messageServiceError, .noCarrier, .busy, .noDialtone, .noAnswer:
            let command = index < commands.count ? commands[index] : "?"
            failAndRetry(
                "the voice modem answered \(command) with \(response) — check it is a V.253 voice modem "
                    + "(it must accept AT+FCLASS=8) and that the command suits it; init_commands replaces "
                    + "the list; retrying", at: now)
        default:
            unexpected(response)
        }
    }

    mutating func finishInitialising(at now: Instant) {
        enterIdle(at: now)
        if faultOutstanding {
            faultOutstanding = false
            emit(.recovered)
        }
        if !everReady {
            everReady = true
            emit(.ready)
        }
    }

    mutating func enterIdle(at now: Instant) {
        state = .idle
        deadline = nil
        clearCall()
        scheduleProbe(at: now)
    }

    mutating func scheduleProbe(at now: Instant) {
        nextProbe = configuration.idleProbeInterval.map { now.advanced(by: $0) }
    }

    // MARK: Idle and ringing

    mutating func idleLine(_ response: ATResponse, at now: Instant) {
        switch response {
        case .ring:
            var ringing = Ringing(count: 0, lastSignal: now)
            ring(&ringing, at: now)
        case .text(let text):
            guard let line = VoiceModemCallerIDLine(text) else { return unexpected(response) }
            // UK networks send caller ID before the first ring.
            var ringing = Ringing(count: 0, lastSignal: now)
            callerIDLine(line, text: text, ringing: &ringing, at: now)
        default:
            unexpected(response)
        }
    }

    mutating func ringingLine(_ response: ATResponse, ringing: inout Ringing, at now: Instant) {
        switch response {
        case .ring:
            ring(&ringing, at: now)
        case .text(let text):
            guard let line = VoiceModemCallerIDLine(text) else { return unexpected(response) }
            callerIDLine(line, text: text, ringing: &ringing, at: now)
        default:
            unexpected(response)
        }
    }

    mutating func ring(_ ringing: inout Ringing, at now: Instant) {
        reportCallerID(&ringing)
        ringing.count += 1
        ringing.lastSignal = now
        state = .ringing(ringing)
        emit(.ringing(count: ringing.count, callerID: ringing.collector.hasFields ? ringing.collector.callerID : nil))
    }

    mutating func callerIDLine(_ line: VoiceModemCallerIDLine, text: String, ringing: inout Ringing, at now: Instant) {
        if !ringing.collector.add(line) { emit(.notice(.callerIDUnreadable(text))) }
        ringing.lastSignal = now
        if ringing.collector.hasFields, ringing.collector.callerID != ringing.reported {
            ringing.lastCallerIDLine = now
        }
        state = .ringing(ringing)
    }

    /// Reports the caller-ID block if it has news.
    mutating func reportCallerID(_ ringing: inout Ringing) {
        ringing.lastCallerIDLine = nil
        guard ringing.collector.hasFields, ringing.collector.callerID != ringing.reported else { return }
        ringing.reported = ringing.collector.callerID
        emit(.callerID(ringing.collector.callerID))
    }

    // MARK: Call results

    mutating func answerResult(_ response: ATResponse, at now: Instant) {
        switch response {
        case .ok, .text("VCON"):
            callInProgress = true
            emit(.answered)
            continueCall(at: now)
        case .noCarrier, .busy, .noAnswer, .noDialtone:
            // The caller went before the line was picked up.
            emit(.abandoned)
            request = nil
            send("ATH", at: now)
            state = .goingOnHook
        case .ring:
            return
        case .text(let text) where VoiceModemCallerIDLine(text) != nil:
            return
        case .error, .equipmentError, .messageServiceError, .connect:
            fail("the voice modem answered ATA with \(response) — the call was not answered; resetting the modem", at: now)
        default:
            unexpected(response)
        }
    }

    mutating func receiveStartResult(_ response: ATResponse, at now: Instant) {
        switch response {
        case .connect:
            streamMode = .receive
            decoder.reset()
            if request != nil || !pendingTransmit.isEmpty {
                stopReceive(at: now)
            } else {
                state = .connected
                expect("voice data", at: now)
            }
        case .noCarrier, .busy, .noAnswer, .noDialtone:
            farEndCleared(reason: response.description)
            continueCall(at: now)
        case .error, .equipmentError, .messageServiceError:
            fail(
                "the voice modem answered AT+VRX with \(response) — it cannot receive voice in "
                    + "\(configuration.voiceFormat); check voice_format against the modem's AT+VSM=? list", at: now)
        case .ok, .ring, .text("VCON"):
            return  // A late VCON/OK from ATA, or a last ring.
        default:
            unexpected(response)
        }
    }

    mutating func receiveStopResult(_ response: ATResponse, at now: Instant) {
        let endedByModem = streamEndedByModem
        streamEndedByModem = false
        switch response {
        case .ok, .error, .equipmentError, .messageServiceError, .connect:
            // A stream the modem ended on its own, with no NO CARRIER, ended on silence.
            if endedByModem, configuration.silenceEndsCall {
                farEndCleared(reason: "the modem ended the voice stream")
            }
        default:
            // NO CARRIER, BUSY, …: the line dropped.
            farEndCleared(reason: response.description)
        }
        continueCall(at: now)
    }

    mutating func transmitStartResult(_ response: ATResponse, at now: Instant) {
        switch response {
        case .connect:
            streamMode = .transmit
            decoder.reset()
            if request == .hangUp {
                emit(.write(VoiceModemShielding.transmitAbort))
                state = .abortingTransmit
                expect("the end of the transmission", at: now)
            } else {
                startSending(at: now)
            }
        case .noCarrier, .busy, .noAnswer, .noDialtone:
            farEndCleared(reason: response.description)
            continueCall(at: now)
        case .error, .equipmentError, .messageServiceError:
            emit(.notice(.commandRefused(command: "AT+VTX", response: response.description)))
            pendingTransmit = []
            emit(.transmitFinished)
            continueCall(at: now)
        case .ring, .ok, .text("VCON"):
            return
        default:
            unexpected(response)
        }
    }

    mutating func transmitResult(_ response: ATResponse, at now: Instant) {
        guard response.isFinal else { return unexpected(response) }
        streamMode = .command
        switch response {
        case .ok:
            emit(.transmitFinished)
        case .noCarrier, .busy, .noAnswer, .noDialtone:
            emit(.discardOutput)
            farEndCleared(reason: response.description)
        default:
            emit(.discardOutput)
            emit(.notice(.commandRefused(command: "AT+VTX", response: response.description)))
            emit(.transmitFinished)
        }
        continueCall(at: now)
    }

    mutating func onHookResult(_ response: ATResponse, at now: Instant) {
        switch response {
        case .ok, .noCarrier:
            let wasInCall = callInProgress
            enterIdle(at: now)
            if wasInCall { emit(.hungUp) }
        case .error, .equipmentError, .messageServiceError, .busy, .noAnswer, .noDialtone, .connect:
            fail("the voice modem answered ATH with \(response) — the line may still be off hook; resetting the modem", at: now)
        case .ring, .text("VCON"):
            return
        default:
            unexpected(response)
        }
    }

    mutating func dialResult(_ response: ATResponse, number: String, at now: Instant) {
        switch response {
        case .ok, .text("VCON"):
            send("ATH", at: now)
            state = .transferOnHook(number)
        case .ring:
            return
        case _ where response.isFinal:
            emit(.transferFailed(to: number, reason: response.description))
            continueCall(at: now)
        default:
            unexpected(response)
        }
    }

    mutating func transferOnHookResult(_ response: ATResponse, number: String, at now: Instant) {
        switch response {
        case .ok, .noCarrier:
            enterIdle(at: now)
            emit(.transferred(to: number))
            emit(.hungUp)
        case .ring, .text("VCON"):
            return
        case _ where response.isFinal:
            fail("the voice modem answered ATH with \(response) after transferring the call; resetting the modem", at: now)
        default:
            unexpected(response)
        }
    }

    // MARK: Reset

    mutating func resetResult(_ response: ATResponse, step: ResetStep, at now: Instant) {
        switch step {
        case .waiting:
            return
        case .abortingStream:
            guard response.isFinal else { return }
            sendReset(at: now)
        case .awaitingReset:
            guard response == .ok else { return }  // Leftovers of what was going on before.
            let first = commands.first?.uppercased()
            startInitialising(from: first == "ATZ" || first == "ATZ0" ? 1 : 0, at: now)
        }
    }
}
