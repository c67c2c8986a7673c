/// Classifying what the terminal says: unsolicited results, parts of the response to the
/// command in flight, its final result, and everything that is none of these.
extension PEIStateMachine {
    mutating func handle(_ response: ATResponse, at now: Instant) -> [PEIAction] {
        var actions: [PEIAction] = []
        if let header = pendingShortData {
            pendingShortData = nil
            if case .text(let line) = response, !line.isEmpty, line.utf8.allSatisfy(\.isHexDigit) {
                return receivedShortData(header, hex: line)
            }
            actions.append(reject(.invalidField, header.line, "no user data line after +CTSDSR"))
        }
        switch response {
        case .echo:
            return actions  // before ATE0 took effect (or after ATZ)
        case .prefixed(let name, let value) where PEIResults.unsolicited.contains(name):
            if name == "+CMGS", case .sendShortData = outstanding?.command { return actions }
            return actions + unsolicited(name, value, line: response.description, at: now)
        case .prompt:
            if case .sendShortData = outstanding?.command { return actions }  // some terminals prompt; the data is already sent
            return actions + [reject(.unexpected, "> ", "a text-entry prompt with no AT+CMGS outstanding")]
        default:
            break
        }
        guard let current = outstanding else {
            if case .prefixed(let name, _) = response {
                return actions + [reject(.unknownResult, response.description, "\(name) is not a result this driver knows")]
            }
            return actions + [reject(.unexpected, response.description, "no command is outstanding")]
        }
        if response.isFinal {
            return actions + complete(current, with: response, at: now)
        }
        // An information response to a configured command (`AT+CNUMF?` → `+CNUMF: …`, `ATI` →
        // a product name) is accepted silently.
        if case .initialise(let command) = current.command {
            switch response {
            case .prefixed(let name, _) where command.uppercased().hasPrefix("AT" + name.uppercased()): return actions
            case .text: return actions
            default: break
            }
        }
        if case .prefixed(let name, _) = response {
            return actions + [reject(.unknownResult, response.description, "\(name) is not a result this driver knows")]
        }
        return actions + [reject(.unexpected, response.description, "not an answer to \(current.command.text)")]
    }

    /// One known unsolicited result.
    private mutating func unsolicited(_ name: String, _ value: String, line: String, at now: Instant) -> [PEIAction] {
        let fields = ATResponse.fields(of: value)
        switch name {
        case "+CTXG": return transmissionGranted(fields, line: line)
        case "+CDTXC": return transmissionCeased(fields, line: line)
        case "+CTICN": return incomingCall(fields, line: line)
        case "+CTCC": return callConnected(fields, line: line)
        case "+CTCR": return callReleased(fields, line: line)
        case "+CTXI": return transmissionInterrupted(fields, line: line)
        case "+CTXW": return transmissionWait(fields, line: line)
        case "+CTSDSR": return shortDataHeader(fields, line: line)
        case "+CTOCP", "+CTGS":
            // Outgoing call progress and group-selection reports: nothing to do, but check them.
            if Self.callInstance(fields.first) == nil && name == "+CTOCP" {
                return [reject(.invalidField, line, "the call instance \(fields.first?.debugDescription ?? "nil") is not 0–65535")]
            }
            return []
        default:  // +CMGS with no send outstanding
            return [reject(.unexpected, line, "\(name) with no AT+CMGS outstanding")]
        }
    }

    /// Counts and reports a line that was read but not acted on.
    mutating func reject(_ reason: PEIRejectedLine.Reason, _ line: String, _ detail: String) -> PEIAction {
        switch reason {
        case .unknownResult: counters.unknownResults += 1
        case .invalidField: counters.invalidFields += 1
        case .unexpected: counters.unexpectedLines += 1
        case .undecodableData: counters.undecodableData += 1
        }
        return .emit(.rejected(PEIRejectedLine(reason, line: line, detail: detail)))
    }

    // MARK: Fields

    /// A call-control instance: 0–65535.
    static func callInstance(_ field: String?) -> Int? { integer(field, in: 0...65535) }

    /// A decimal field within `range` (at most 6 digits, so nothing overflows).
    static func integer(_ field: String?, in range: ClosedRange<Int>) -> Int? {
        guard let field, (1...6).contains(field.utf8.count), field.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let value = Int(field), range.contains(value) else { return nil }
        return value
    }
}

/// The unsolicited results the driver knows, so that anything else is counted as unknown.
/// (Outside the generic machine: a generic type cannot hold a static stored property.)
enum PEIResults {
    static let unsolicited: Set<String> = [
        "+CTXG", "+CDTXC", "+CTICN", "+CTCC", "+CTCR", "+CTOCP", "+CTXI", "+CTXW", "+CTSDSR", "+CTGS", "+CMGS",
    ]
}

extension UInt8 {
    var isHexDigit: Bool { (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self) }
}
