extension Completion {
    /// The whole answer as the neutral events of a stream that said it all at once: started, its
    /// text, each tool call with its arguments, the stop, and its usage where it has one. For a
    /// bridge that answers a stream request with a whole JSON body.
    public var streamEvents: [StreamEvent] {
        var events: [StreamEvent] = [.started(id: id, model: model)]
        if !text.isEmpty { events.append(.text(text)) }
        for (index, call) in toolCalls.enumerated() {
            events.append(.toolCall(index: index, id: call.id, name: call.name))
            events.append(.toolArguments(index: index, call.arguments))
        }
        events.append(.finished(stopReason))
        if let usage { events.append(.usage(usage)) }
        return events
    }
}
