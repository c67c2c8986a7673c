/// Short data: statuses and text messages received (`+CTSDSR`) and sent (`AT+CTSDS`,
/// `AT+CMGS`).
extension PEIStateMachine {
    // MARK: Sending

    /// Sends status `value` to unit `ssi`; the outcome is `shortDataSent` or `shortDataFailed`
    /// with `requestID`.
    public mutating func sendStatus(_ value: UInt16, to ssi: UInt32, requestID: Int, at now: Instant) -> [PEIAction] {
        send(SDSPDU.status(value), to: ssi, requestID: requestID, at: now)
    }

    /// Sends `text` to unit `ssi` as an SDS-TL text message (asking for `reportRequest`); the
    /// outcome is `shortDataSent` or `shortDataFailed` with `requestID`.
    public mutating func sendText(_ text: String, to ssi: UInt32, reportRequest: SDSReportRequest = .none,
                                  requestID: Int, at now: Instant) -> [PEIAction] {
        do {
            let payload = try SDSPDU.text(text, reference: nextReference, reportRequest: reportRequest)
            nextReference &+= 1
            return send(payload, to: ssi, requestID: requestID, at: now)
        } catch {
            return advance(to: now) + [.emit(.shortDataFailed(requestID: requestID, reason: error.description))] + pump(at: now)
        }
    }

    private mutating func send(_ payload: SDSPayload, to ssi: UInt32, requestID: Int, at now: Instant) -> [PEIAction] {
        var actions = advance(to: now)
        if ssi > TETRAIdentity.maxSSI {
            actions.append(.emit(.shortDataFailed(requestID: requestID, reason: "\(ssi) is not a TETRA short subscriber "
                + "identity (at most 16777215); the message was not sent")))
        } else if !isReady {
            let why = faultReason.map { "the TETRA terminal is not working (\($0))" } ?? "the TETRA terminal is not initialised yet"
            actions.append(.emit(.shortDataFailed(requestID: requestID, reason: why + "; the message was not sent")))
        } else {
            dataQueue += [.shortDataService(payload.aiService), .sendShortData(to: ssi, payload, requestID: requestID)]
        }
        actions += pump(at: now)
        return actions
    }

    /// `AT+CTSDS` or `AT+CMGS` got its final result.
    mutating func completeShortData(_ command: PEICommand, with result: ATResponse) -> [PEIAction] {
        let refused = result != .ok
        switch command {
        case .shortDataService(let service):
            guard refused else { return [] }
            // The AT+CMGS that was to follow cannot go out with the wrong service.
            guard case .sendShortData(_, _, let requestID)? = dataQueue.first else { return [] }
            dataQueue.removeFirst()
            let reason = "the terminal refused AT+CTSDS=\(service) (\(Self.describe(result))); the message was not sent"
            return requestID.map { [.emit(.shortDataFailed(requestID: $0, reason: reason))] } ?? []
        case .sendShortData(_, _, let requestID?):
            if refused {
                return [.emit(.shortDataFailed(requestID: requestID, reason: "the terminal refused it: \(Self.describe(result))"))]
            }
            return [.emit(.shortDataSent(requestID: requestID))]
        default:
            return refused ? [.emit(.commandRefused(command: command.text, response: Self.describe(result)))] : []
        }
    }

    // MARK: Receiving

    /// `+CTSDSR: <AI service>,[<calling>],[<calling type>],<called>,<called type>,<length>[,<e2e>]`;
    /// the user data follows on the next line.
    mutating func shortDataHeader(_ fields: [String], line: String) -> [PEIAction] {
        guard fields.count >= 6 else {
            return [reject(.invalidField, line, "+CTSDSR has \(fields.count) fields, at least 6 are needed")]
        }
        guard let service = Self.integer(fields[0], in: 0...31) else {
            return [reject(.invalidField, line, "the AI service \(fields[0].prefix(8).debugDescription) is not 0–31")]
        }
        var from: TETRAIdentity?
        if !fields[1].isEmpty {
            guard let identity = TETRAIdentity(field: fields[1]) else {
                return [reject(.invalidField, line, "the calling party \(fields[1].prefix(20).debugDescription) is not a TETRA identity")]
            }
            from = identity
        }
        let to = TETRAIdentity(field: fields[3])
        guard fields[3].isEmpty || to != nil else {
            return [reject(.invalidField, line, "the called party \(fields[3].prefix(20).debugDescription) is not a TETRA identity")]
        }
        guard let bits = Self.integer(fields[5], in: 0...2047) else {
            return [reject(.invalidField, line, "the length \(fields[5].prefix(8).debugDescription) is not 0–2047 bits")]
        }
        pendingShortData = (line, service, from, to, bits)
        return []
    }

    /// The user data line after a `+CTSDSR` header.
    mutating func receivedShortData(
        _ header: (line: String, service: Int, from: TETRAIdentity?, to: TETRAIdentity?, bits: Int), hex: String
    ) -> [PEIAction] {
        let message: SDSMessage
        do {
            message = try SDSPDU.decode(aiService: header.service, bits: header.bits, hex: hex)
        } catch {
            return [reject(.undecodableData, header.line + " " + hex, error.description)]
        }
        var actions: [PEIAction] = []
        var emergency = false
        switch message {
        case .status(let value):
            emergency = configuration.emergencyStatuses.contains(value)
        case .text(let text):
            // The sender asked to hear that it arrived: say so (SDS-TL SDS-REPORT, received).
            if case .transportLayer(let reference, let request) = text.transport,
               request == .received || request == .receivedAndConsumed, let sender = header.from, state == .running {
                let report = SDSPDU.receivedReport(reference: reference)
                dataQueue += [.shortDataService(report.aiService), .sendShortData(to: sender.ssi, report, requestID: nil)]
            }
        case .report, .other:
            break
        }
        actions.append(.emit(.shortData(PEIShortData(from: header.from, to: header.to, message: message, isEmergency: emergency))))
        return actions
    }
}
