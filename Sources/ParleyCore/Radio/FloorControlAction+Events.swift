extension FloorControlAction {
    /// The store event for an outcome action; nil for line/audio actions and `unkeyRefused`.
    ///
    /// Payload keys: `keyer`, `priority`, and per kind `for_ms` (radio.key), `reason`,
    /// `by`, `held_ms` (radio.unkey), `by`, `by_priority`, `held_ms` (radio.preempted),
    /// `reason`, `holder`, `holder_priority` (radio.key_refused), `remaining_ms`
    /// (radio.tot_warning), `held_ms` (radio.tot).
    public func eventDraft(channel: String) -> EventDraft? {
        switch self {
        case .keyLine, .startAudio, .stopAudio, .unkeyLine, .unkeyRefused:
            return nil
        case .keyed(let keyer, let duration):
            var payload = Self.base(keyer)
            if let duration { payload["for_ms"] = .int(duration.wholeMilliseconds) }
            return draft(.radioKey, keyer.priority, channel, payload)
        case .unkeyed(let keyer, let reason, let heldFor):
            var payload = Self.base(keyer)
            payload["reason"] = .string(reason.name)
            if case .forced(let by) = reason { payload["by"] = .string(by) }
            payload["held_ms"] = .int(heldFor.wholeMilliseconds)
            return draft(.radioUnkey, keyer.priority, channel, payload)
        case .preempted(let keyer, let winner, let heldFor):
            var payload = Self.base(keyer)
            payload["by"] = .string(winner.id)
            payload["by_priority"] = .string(winner.priority.name)
            payload["held_ms"] = .int(heldFor.wholeMilliseconds)
            return draft(.radioPreempted, max(keyer.priority, winner.priority), channel, payload)
        case .refused(let keyer, let reason):
            var payload = Self.base(keyer)
            payload["reason"] = .string(reason.name)
            if case .floorHeld(let holder) = reason {
                payload["holder"] = .string(holder.id)
                payload["holder_priority"] = .string(holder.priority.name)
            }
            return draft(.radioKeyRefused, keyer.priority, channel, payload)
        case .timeoutWarning(let keyer, let remaining):
            var payload = Self.base(keyer)
            payload["remaining_ms"] = .int(remaining.wholeMilliseconds)
            return draft(.radioTimeoutWarning, keyer.priority, channel, payload)
        case .timedOut(let keyer, let heldFor):
            var payload = Self.base(keyer)
            payload["held_ms"] = .int(heldFor.wholeMilliseconds)
            return draft(.radioTimeout, keyer.priority, channel, payload)
        }
    }

    private static func base(_ keyer: Keyer) -> [String: JSONValue] {
        ["keyer": .string(keyer.id), "priority": .string(keyer.priority.name)]
    }

    private func draft(_ kind: EventKind, _ priority: KeyPriority, _ channel: String, _ payload: [String: JSONValue]) -> EventDraft {
        EventDraft(priority: priority.eventPriority, kind: kind, source: .channel(channel), payload: .object(payload))
    }
}
