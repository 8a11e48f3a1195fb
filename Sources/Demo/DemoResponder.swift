import Foundation
import Translation

/// The demo OpenAI bridge's tiny built-in model: a deterministic answer to a chat completion
/// request, from the request alone.
///
/// - With `tools` (and `tool_choice` not `none`) and "weather" in the last message, a user's:
///   a call to the first tool, its arguments naming the place after " in " (Lisbon otherwise).
/// - After a tool result: the result, quoted in a sentence.
/// - Otherwise: a greeting that quotes the last user message.
///
/// The answer is rendered by the Translation module's own OpenAI writers, whole
/// (``completion(id:created:)``) or streamed (``events(id:created:)``: text a word at a time,
/// tool arguments in small pieces), with usage estimated as the gateway estimates it.
struct DemoResponder: Sendable {
    /// The answer in neutral terms.
    let answer: Completion
    /// The model the request named.
    let model: String
    /// Whether the request asked for a stream.
    let stream: Bool
    /// Whether a stream should end with the usage chunk (`stream_options.include_usage`).
    let includeUsage: Bool

    /// The answer to `request`, a parsed `/v1/chat/completions` body.
    init(request: JSON) {
        model = request["model"]?.string ?? "demo-model"
        stream = request["stream"]?.bool ?? false
        includeUsage = request["stream_options"]?["include_usage"]?.bool ?? false
        let messages = request["messages"]?.array ?? []
        let last = messages.last
        let lastText = Self.text(of: last?["content"])
        let tool = request["tools"]?.array?.first?["function"]?["name"]?.string
        let toolsAllowed = request["tool_choice"]?.string != "none"

        var answer = Completion(model: model)
        if let tool, toolsAllowed, last?["role"]?.string == "user", lastText.lowercased().contains("weather") {
            let place: JSON = .string(Self.place(in: lastText))
            let arguments: JSON = ["location": place, "unit": "celsius"]
            answer.toolCalls = [Completion.ToolCall(id: "call_demo_0", name: tool, arguments: arguments.text)]
            answer.stopReason = .toolUse
        } else if last?["role"]?.string == "tool" {
            answer.text = "The tool answered: \(lastText). That is all the demo bridge knows about it."
        } else {
            let quoted = lastText.isEmpty ? "nothing" : "“\(lastText)”"
            answer.text = "Hello from the bridgekeeper demo bridge! You said \(quoted), and this answer came back to you through the reverse SSH tunnel."
        }
        let output = answer.text.count + answer.toolCalls.reduce(0) { $0 + $1.name.count + $1.arguments.count }
        answer.usage = Usage(input: TokenEstimate.tokens(request: request), output: TokenEstimate.tokens(characters: output))
        self.answer = answer
    }

    /// The whole answer as a `chat.completion`.
    func completion(id: String, created: Int) -> JSON {
        ChatCompletionRenderer(id: id, created: created, model: model).render(answer, estimate: answer.usage ?? Usage(input: 0, output: 0))
    }

    /// The streamed answer: every SSE event, `[DONE]` last.
    func events(id: String, created: Int) -> [SSEEvent] {
        var writer = ChatStreamWriter(id: id, created: created, model: model, includeUsage: includeUsage)
        var events = writer.write(.started(id: id, model: model))
        for (index, word) in answer.text.split(separator: " ").enumerated() {
            events += writer.write(.text(index == 0 ? String(word) : " " + word))
        }
        for (index, call) in answer.toolCalls.enumerated() {
            events += writer.write(.toolCall(index: index, id: call.id, name: call.name))
            for piece in Self.pieces(of: call.arguments, size: 8) {
                events += writer.write(.toolArguments(index: index, piece))
            }
        }
        events += writer.write(.finished(answer.stopReason))
        if let usage = answer.usage { events += writer.write(.usage(usage)) }
        return events + writer.end(failure: nil)
    }

    /// Chat content's text: a string, or the `text` of its parts.
    private static func text(of content: JSON?) -> String {
        if let text = content?.string { return text }
        return (content?.array ?? []).compactMap { $0["text"]?.string }.joined(separator: " ")
    }

    /// The words after the last " in ", up to punctuation; Lisbon when there are none.
    private static func place(in text: String) -> String {
        guard let range = text.range(of: " in ", options: .backwards) else { return "Lisbon" }
        let place = text[range.upperBound...].prefix { !"?!.,;\n".contains($0) }.trimmingCharacters(in: .whitespaces)
        return place.isEmpty ? "Lisbon" : place
    }

    /// `text` cut into pieces of at most `size` characters.
    private static func pieces(of text: String, size: Int) -> [String] {
        var pieces: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            pieces.append(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        return pieces
    }
}
