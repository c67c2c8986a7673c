import Foundation
import ParleyCore

/// Writes the daemon's messages: each one line of JSON with sorted keys, ending in `\n`.
public enum ControlMessage {
    /// `{"v":1,"id":…,"ok":true,"result":…}`
    public static func success<Result: Encodable>(id: ControlRequestID?, result: Result) throws -> [UInt8] {
        try encode(Envelope(id: id, body: .success(result)))
    }

    /// `{"v":1,"id":…,"ok":false,"error":{"code":…,"message":…}}`
    public static func failure(id: ControlRequestID?, _ error: ControlError) -> [UInt8] {
        // Encoding two strings cannot fail; fall back to a fixed line rather than trap.
        (try? encode(Envelope<Never>(id: id, body: .failure(error))))
            ?? Array("{\"error\":{\"code\":\"internal\",\"message\":\"encoding failed\"},\"ok\":false,\"v\":1}\n".utf8)
    }

    /// `{"v":1,"id":…,"stream":"event","data":…}`
    public static func stream<Data: Encodable>(id: ControlRequestID?, kind: ControlStreamKind, data: Data) throws
        -> [UInt8]
    {
        try encode(Envelope(id: id, body: .stream(kind, data)))
    }

    private static func encode<Body: Encodable>(_ envelope: Envelope<Body>) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes = [UInt8](try encoder.encode(envelope))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    private struct Envelope<Body: Encodable>: Encodable {
        enum Kind {
            case success(Body)
            case failure(ControlError)
            case stream(ControlStreamKind, Body)
        }

        let id: ControlRequestID?
        let body: Kind

        enum CodingKeys: String, CodingKey { case v, id, ok, result, error, stream, data }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(ControlProtocol.version, forKey: .v)
            if let id { try container.encode(id, forKey: .id) } else { try container.encodeNil(forKey: .id) }
            switch body {
            case .success(let result):
                try container.encode(true, forKey: .ok)
                try container.encode(result, forKey: .result)
            case .failure(let error):
                try container.encode(false, forKey: .ok)
                try container.encode(error, forKey: .error)
            case .stream(let kind, let data):
                try container.encode(kind, forKey: .stream)
                try container.encode(data, forKey: .data)
            }
        }
    }
}

/// One message from the daemon, as a client reads it.
public struct ControlReply: Sendable {
    public enum Kind: Sendable, Hashable {
        /// A stream message (`tail` events, `verify` progress); more follow.
        case stream(String)
        /// The final, successful response.
        case success
        /// The final error response.
        case failure(ControlError)
    }

    public let id: ControlRequestID?
    public let kind: Kind
    /// The `result` (final response) or `data` (stream message) as JSON; null for errors.
    public let body: JSONValue
    private let line: [UInt8]

    /// Reads one line from the daemon.
    public init(line: [UInt8]) throws {
        let message: JSONValue
        do {
            message = try ControlJSON.parse(line)
        } catch {
            throw ControlError.badJSON(error.description)
        }
        guard message["v"]?.intValue == Int64(ControlProtocol.version) else {
            throw ControlError.unsupportedVersion(message["v"].map { String($0.canonicalString.prefix(20)) })
        }
        switch message["id"] {
        case .string(let text)?: id = .string(text)
        case .some(let value) where value.intValue != nil: id = .int(value.intValue!)
        default: id = nil
        }
        self.line = line
        if case .string(let stream)? = message["stream"] {
            kind = .stream(stream)
            body = message["data"] ?? .null
        } else if message["ok"] == .bool(true) {
            kind = .success
            body = message["result"] ?? .null
        } else if message["ok"] == .bool(false),
            case .string(let code)? = message["error"]?["code"], case .string(let text)? = message["error"]?["message"]
        {
            kind = .failure(ControlError(code: ControlErrorCode(rawValue: code), message: text))
            body = .null
        } else {
            throw ControlError.badRequest("the daemon's message has neither \"ok\" nor \"stream\"")
        }
    }

    /// The `result` or `data`, decoded as `T`.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        switch kind {
        case .stream: try JSONDecoder().decode(DataBox<T>.self, from: Data(line)).data
        case .success: try JSONDecoder().decode(ResultBox<T>.self, from: Data(line)).result
        case .failure(let error): throw error
        }
    }

    private struct ResultBox<T: Decodable>: Decodable { var result: T }
    private struct DataBox<T: Decodable>: Decodable { var data: T }
}
