import Foundation
import NIOCore

/// Reads an OpenAI chat-completions SSE stream as it passes through: splits it into events,
/// remembers the `usage` the upstream reports and the text it streams (for an estimate when no
/// usage comes), and drops the usage-only chunk (`"choices": []`) when the client did not ask for
/// usage (the gateway asked for it on the client's behalf). Events pass on whole, as soon as they
/// are complete; nothing else is held back.
struct StreamUsageScanner {
    /// Whether the client asked for usage itself (then every event passes).
    let clientWantsUsage: Bool
    private(set) var usage: TokenUsage?
    private(set) var streamedCharacters = 0
    /// Whether the stream's `data: [DONE]` passed.
    private(set) var sawDone = false
    private var pending: [UInt8] = []

    init(clientWantsUsage: Bool) {
        self.clientWantsUsage = clientWantsUsage
    }

    /// Takes bytes from upstream; returns the bytes to send to the client now.
    mutating func take(_ buffer: ByteBuffer) -> [UInt8] {
        pending += buffer.readableBytesView
        var output: [UInt8] = []
        while let end = Self.eventEnd(in: pending) {
            let event = Array(pending[..<end])
            pending.removeFirst(end)
            if inspect(event) { output += event }
        }
        return output
    }

    /// What is left when the stream ends (an unterminated last event).
    mutating func finish() -> [UInt8] {
        defer { pending = [] }
        return pending
    }

    /// Looks at one event; returns whether it goes to the client.
    private mutating func inspect(_ event: [UInt8]) -> Bool {
        let text = String(decoding: event, as: UTF8.self)
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("data:") {
            let payload = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
            if payload == "[DONE]" { sawDone = true }
            guard payload.hasPrefix("{"),
                let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any]
            else { continue }
            for choice in object["choices"] as? [[String: Any]] ?? [] {
                let delta = choice["delta"] as? [String: Any]
                streamedCharacters += (delta?["content"] as? String)?.count ?? 0
                for call in delta?["tool_calls"] as? [[String: Any]] ?? [] {
                    streamedCharacters += ((call["function"] as? [String: Any])?["arguments"] as? String)?.count ?? 0
                }
            }
            if let reported = TokenUsage(openAI: object["usage"]) {
                usage = reported
                let choices = object["choices"] as? [Any] ?? []
                if !clientWantsUsage && choices.isEmpty { return false }
            }
        }
        return true
    }

    /// The index just past the first complete event (`\n\n` or `\r\n\r\n`), if any.
    private static func eventEnd(in bytes: [UInt8]) -> Int? {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 10 && bytes[index + 1] == 10 { return index + 2 }
            if index + 3 < bytes.count && bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
                return index + 4
            }
            index += 1
        }
        return nil
    }
}
