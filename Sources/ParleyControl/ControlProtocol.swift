import ParleyCore

/// The control protocol: newline-delimited JSON over a stream socket.
///
/// Every message is one line of UTF-8 JSON ending in `\n`. A request is
/// `{"v":1,"id":7,"cmd":"status","args":{}}`; its answer is
/// `{"v":1,"id":7,"ok":true,"result":{…}}` or `{"v":1,"id":7,"ok":false,"error":{"code":…,"message":…}}`;
/// a streaming command first sends `{"v":1,"id":7,"stream":"event","data":{…}}` messages.
/// See `docs/control-protocol.md`.
public enum ControlProtocol {
    /// The protocol version this build speaks (`"v"` in every message).
    public static let version = 1
    /// Default cap on one request line, in bytes (without the newline).
    public static let defaultMaxLineBytes = 65536
}

/// A request's `id`, echoed in every message that answers it: an integer or a string.
public enum ControlRequestID: Sendable, Hashable, Codable, CustomStringConvertible {
    case int(Int64)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }

    public var json: JSONValue {
        switch self {
        case .int(let value): .int(value)
        case .string(let value): .string(value)
        }
    }

    public var description: String {
        switch self {
        case .int(let value): String(value)
        case .string(let value): value
        }
    }
}

/// What kind of messages a streaming command sends before its final response.
public enum ControlStreamKind: String, Sendable, Hashable, Codable {
    /// One committed event per message (`tail`).
    case event
    /// `{"checked":…,"total":…}` (`verify`).
    case progress
}
