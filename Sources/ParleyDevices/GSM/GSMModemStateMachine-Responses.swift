/// Classifying what the modem says against the command in flight, and finishing commands.
extension GSMModemStateMachine {
    /// One line (or the prompt) from the modem: an unsolicited result, part of the response to
    /// the command in flight, or its final result.
    mutating func handle(_ response: ATResponse, at now: Instant) -> [GSMModemAction] {
        var actions: [GSMModemAction] = []
        if let payload = pendingPayload {
            pendingPayload = nil
            if case .text(let line) = response, line.isHexDigits {
                return [.emit(.unexpected(payload + " " + line.truncated()))]
            }
            actions.append(.emit(.unexpected(payload)))
        }
        switch response {
        case .echo:
            return actions  // before ATE0 took effect (or after ATZ)
        case .prefixed("+CMTI", let value):
            let fields = ATResponse.fields(of: value)
            if fields.count >= 2, let index = Int(fields[1]), index >= 0 {
                messages.announce(index)
            } else {
                actions.append(.emit(.unexpected(response.description)))
            }
            return actions
        case .prefixed("+CMT", _):
            // A message routed to us instead of stored: only a wrong cnmi does that.
            pendingPayload = response.description + " (delivered directly, not stored — set cnmi to 2,1,0,1,0)"
            return actions
        case .prefixed("+CDS", _), .prefixed("+CBM", _):
            pendingPayload = response.description
            return actions
        case .prompt:
            return actions + prompted(at: now)
        default:
            break
        }
        guard var current = outstanding else {
            return actions + [.emit(.unexpected(response.description))]
        }
        switch (current.command, response) {
        case (.read(let index), .prefixed("+CMGR", let value)):
            current.entry = (index, Int(ATResponse.fields(of: value).first ?? ""))
        case (.list, .prefixed("+CMGL", let value)):
            if let entry = current.entry, let event = messages.missingPDU(index: entry.index) { actions.append(.emit(event)) }
            let fields = ATResponse.fields(of: value)
            if let index = Int(fields[0]), index >= 0 {
                current.entry = (index, fields.count > 1 ? Int(fields[1]) : nil)
            } else {
                current.entry = nil
                actions.append(.emit(.unexpected(response.description)))
            }
        case (.read, .text(let line)) where current.entry != nil && current.pdu == nil && line.isHexDigits:
            current.pdu = line
        case (.list, .text(let line)) where current.entry != nil && line.isHexDigits:
            if let entry = current.entry { actions += stored(index: entry.index, status: entry.status, pduHex: line, at: now) }
            current.entry = nil
        case (.submitBody, .prefixed("+CMGS", let value)):
            current.messageReference = Int(ATResponse.fields(of: value).first ?? "")
        case (_, .ok), (_, .error), (_, .equipmentError), (_, .messageServiceError):
            outstanding = nil
            return actions + complete(current, with: response, at: now)
        default:
            actions.append(.emit(.unexpected(response.description)))
        }
        outstanding = current
        return actions
    }

    /// The `> ` prompt: send the PDU (or cancel again if it comes after ESC).
    private mutating func prompted(at now: Instant) -> [GSMModemAction] {
        switch outstanding?.command {
        case .submit:
            guard let part = sends.currentPart else {
                outstanding = Outstanding(command: .cancelSubmit, deadline: now.advanced(by: configuration.responseTimeout))
                return [.write([0x1B])]
            }
            outstanding = Outstanding(command: .submitBody, deadline: now.advanced(by: configuration.submitTimeout))
            return [.write(Array(part.hex.utf8) + [0x1A])]
        case .cancelSubmit:
            return [.write([0x1B])]
        default:
            return [.emit(.unexpected("> (a prompt nobody asked for)"))]
        }
    }

    /// A PDU read from storage: deliver it unless it is an outgoing message (`<stat>` 2 or 3).
    private mutating func stored(index: Int, status: Int?, pduHex: String, at now: Instant) -> [GSMModemAction] {
        if let status, status >= 2 {
            return [.emit(.unexpected("stored message \(index) is an outgoing one (status \(status)); left on the SIM"))]
        }
        return messages.read(index: index, pduHex: pduHex, at: now).map { [.emit($0)] } ?? []
    }

    /// The final result of `current`.
    private mutating func complete(_ current: Outstanding, with result: ATResponse, at now: Instant) -> [GSMModemAction] {
        let refused = result != .ok
        switch current.command {
        case .reset:
            return finishStep(at: now)
        case .echoOff, .verboseErrors, .indications:
            var actions: [GSMModemAction] = []
            if refused {
                let note = current.command == .echoOff || current.command == .verboseErrors
                    ? "carrying on"
                    : "new messages will be found by listing every \(configuration.pollInterval.map { "\($0)" } ?? "reset") — check the cnmi setting"
                actions.append(.emit(.unexpected("the modem refused \(current.command.text) (\(result)); \(note)")))
            }
            return actions + finishStep(at: now)
        case .pduMode:
            return refused ? refuseSetUp(current.command, result, at: now) : finishStep(at: now)
        case .list:
            var actions: [GSMModemAction] = []
            if let entry = current.entry, let event = messages.missingPDU(index: entry.index) { actions.append(.emit(event)) }
            if !refused { return actions + (isRunning ? [] : finishStep(at: now)) }
            if !isRunning { return actions + refuseSetUp(current.command, result, at: now) }
            return actions + [.emit(.unexpected("listing stored messages failed: \(result)"))]
        case .read(let index):
            if refused {
                return [.emit(.unexpected("\(current.command.text) failed: \(result); the next listing finds the message if it is there"))]
            }
            if let pdu = current.pdu { return stored(index: index, status: current.entry?.status, pduHex: pdu, at: now) }
            if current.entry != nil { return messages.missingPDU(index: index).map { [.emit($0)] } ?? [] }
            return []  // an empty slot
        case .delete(let index):
            messages.deleted(index)
            return refused ? [.emit(.unexpected("\(current.command.text) failed: \(result); the next listing shows it again if it is still stored"))] : []
        case .submit(let length):
            let note = result == .ok ? "answered OK without a > prompt" : "refused it: \(result)"
            return sends.failCurrent("the modem \(note) (AT+CMGS=\(length)); the message was not sent").map { [.emit($0)] } ?? []
        case .submitBody:
            if refused {
                return sends.failCurrent("the network or modem refused it: \(result)").map { [.emit($0)] } ?? []
            }
            return sends.partAccepted(reference: current.messageReference).map { [.emit($0)] } ?? []
        case .cancelSubmit:
            return []
        }
    }

    private var isRunning: Bool { state == .running }

    /// PDU mode or the first listing was refused (no SIM, SIM locked, no PDU mode): a fault,
    /// and the set-up again after `responseTimeout`.
    private mutating func refuseSetUp(_ command: GSMModemCommand, _ result: ATResponse, at now: Instant) -> [GSMModemAction] {
        state = .backingOff(until: now.advanced(by: configuration.responseTimeout))
        return fault("the modem refused \(command.text) (\(result)) — check the SIM is in and unlocked and the modem "
            + "supports PDU mode; retrying in \(configuration.responseTimeout)")
    }

    /// One set-up step done: the next, or `ready` after the last.
    private mutating func finishStep(at now: Instant) -> [GSMModemAction] {
        guard case .starting(let step, let reset) = state else { return [] }
        if step + 1 < GSMModemCommand.initialisation(reset: reset, cnmi: configuration.cnmi).count {
            state = .starting(step: step + 1, reset: reset)
            return []
        }
        state = .running
        listDue = false
        nextPoll = configuration.pollInterval.map { now.advanced(by: $0) }
        var actions: [GSMModemAction] = []
        if faultReason != nil {
            faultReason = nil
            actions.append(.emit(.recovered))
        }
        actions.append(.emit(.ready))
        return actions
    }
}
