/// Reads an OpenAI Responses stream (from a bridge that serves `/v1/responses` itself) into
/// `StreamEvent`s: text and function-call deltas, and the end with its usage from
/// `response.completed` (or `response.incomplete`); `response.failed` and `error` fail. Other
/// events are ignored.
public struct ResponsesStreamReader: StreamReader {
    public private(set) var isDone = false
    /// Our call index by the function-call item's `output_index`.
    private var calls: [Int: Int] = [:]

    public init() {}

    public mutating func read(_ event: SSEEvent) -> [StreamEvent] {
        guard let data = try? JSONParser.parse(event.data), let type = data["type"]?.string ?? event.name else { return [] }
        switch type {
        case "response.created":
            let response = data["response"]
            return [.started(id: response?["id"]?.string, model: response?["model"]?.string)]
        case "response.output_text.delta":
            return data["delta"]?.string.map { [.text($0)] } ?? []
        case "response.output_item.added" where data["item"]?["type"]?.string == "function_call":
            let item = data["item"]
            let index = calls.count
            calls[data["output_index"]?.int ?? index] = index
            var events: [StreamEvent] = [.toolCall(index: index, id: item?["call_id"]?.string ?? "call_\(index)", name: item?["name"]?.string ?? "")]
            if let arguments = item?["arguments"]?.string, !arguments.isEmpty { events.append(.toolArguments(index: index, arguments)) }
            return events
        case "response.function_call_arguments.delta":
            guard let index = calls[data["output_index"]?.int ?? -1], let delta = data["delta"]?.string else { return [] }
            return [.toolArguments(index: index, delta)]
        case "response.completed", "response.incomplete":
            isDone = true
            let response = data["response"]
            let reason: StopReason =
                type == "response.incomplete" ? .maxTokens : (calls.isEmpty ? .endTurn : .toolUse)
            var events: [StreamEvent] = [.finished(reason)]
            if let usage = Usage(responses: response?["usage"]) { events.append(.usage(usage)) }
            return events
        case "response.failed":
            let error = data["response"]?["error"]
            return [.failed(error?["message"]?.string ?? "the response failed")]
        case "error":
            return [.failed(data["message"]?.string ?? data["error"]?["message"]?.string ?? "error")]
        default:
            return []
        }
    }
}
