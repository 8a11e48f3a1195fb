import Testing

@testable import Translation

@Suite("ResponsesStreamWriter")
struct ResponsesStreamWriterTests {
    static let request: JSON = [
        "model": "gpt-5", "instructions": "Be brief.", "input": "Weather in Paris?", "stream": true,
        "tools": [["type": "function", "name": "get_weather", "parameters": ["type": "object"]]],
    ]

    let history = ResponseHistory(capacity: 10)

    func renderer(_ request: JSON = Self.request) throws -> ResponsesRenderer {
        let translation = try ResponsesRequestTranslator(history: history.scope(nil)).translate(request, model: "qwen2.5")
        return ResponsesRenderer(translation: translation, id: "0001", createdAt: 1_700_000_000, model: "qwen2.5")
    }

    /// What a Responses client receives for a chat upstream's bytes, delivered in pieces of `size`.
    func clientStream(upstream: String, pieceSize size: Int) throws -> String {
        var parser = SSEParser()
        var reader = ChatStreamReader()
        var writer = ResponsesStreamWriter(renderer: try renderer(), history: ResponseHistory().scope(nil))
        var output: [UInt8] = []
        func deliver(_ event: SSEEvent) {
            for neutral in reader.read(event) { output += writer.write(neutral).flatMap(\.bytes) }
        }
        let bytes = Array(upstream.utf8)
        for start in stride(from: 0, to: bytes.count, by: size) {
            parser.feed(bytes[start..<min(start + size, bytes.count)]).forEach(deliver)
        }
        if let last = parser.finish() { deliver(last) }
        let failure = reader.isDone ? nil : "the upstream stream ended before the answer was complete"
        output += writer.end(failure: failure).flatMap(\.bytes)
        return String(decoding: output, as: UTF8.self)
    }

    @Test("chat upstream → Responses client, golden transcripts compared whole", arguments: [
        "text", "tool-call", "parallel-calls", "usage-after-finish", "truncated", "upstream-error",
    ])
    func golden(name: String) throws {
        let upstream = try Golden.text("chat-to-responses-\(name).upstream.sse")
        let expected = try Golden.text("chat-to-responses-\(name).client.sse")
        for size in [1, 7, 64, upstream.utf8.count] {
            #expect(try clientStream(upstream: upstream, pieceSize: size) == expected, "pieces of \(size)")
        }
    }
}

extension ResponsesStreamWriterTests {
    /// The `type`s of `events`, checking each is named after its type and numbered in sequence.
    func types(_ events: [SSEEvent], from first: Int = 0) throws -> [String] {
        try events.enumerated().map { position, event in
            let data = try JSONParser.parse(event.data)
            #expect(data["sequence_number"]?.int == first + position)
            #expect(event.name == data["type"]?.string)
            return data["type"]?.string ?? ""
        }
    }

    @Test("every golden event is named after its type and numbered from 0 by 1")
    func numbering() throws {
        for name in ["text", "tool-call", "parallel-calls", "usage-after-finish", "truncated", "upstream-error"] {
            var parser = SSEParser()
            _ = try types(parser.feed(Array(try Golden.text("chat-to-responses-\(name).client.sse").utf8)))
        }
    }

    @Test("the streamed final response is the non-streamed one for the same answer")
    func agreesWithRenderer() throws {
        var parser = SSEParser()
        let last = parser.feed(Array(try Golden.text("chat-to-responses-tool-call.client.sse").utf8)).last!
        let streamed = try JSONParser.parse(last.data)["response"]
        let whole = Completion(chat: [
            "choices": [["message": ["content": "Let me look.", "tool_calls": [
                ["id": "call_w1", "type": "function", "function": ["name": "get_weather", "arguments": #"{"city":"Paris"}"#]],
            ]], "finish_reason": "tool_calls"]],
            "usage": ["prompt_tokens": 30, "completion_tokens": 9],
        ])
        #expect(streamed?.text == (try renderer()).response(for: whole).text)
    }

    @Test("a clean end after the finish without usage: completed, with estimated usage")
    func noUsage() throws {
        var writer = ResponsesStreamWriter(renderer: try renderer(), history: history.scope(nil))
        var events = writer.write(.text("Hi")) + writer.write(.finished(.endTurn))
        #expect(try types(events) == ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
                                      "response.output_text.delta"], "the items close when the usage comes, or at the end")
        events += writer.end(failure: nil)
        #expect(try types(events).last == "response.completed")
        #expect(try JSONParser.parse(events.last!.data)["response"]?["usage"]?["output_tokens"] == 1)
        #expect(writer.isEnded)
        #expect(writer.write(.usage(Usage(input: 1, output: 1))).isEmpty && writer.write(.failed("late")).isEmpty && writer.end(failure: "late").isEmpty)
    }

    @Test("a finish, then an end without the upstream's proper end (no [DONE]) and no usage: failed")
    func finishedWithoutDone() throws {
        var writer = ResponsesStreamWriter(renderer: try renderer(), history: history.scope(nil))
        let events = writer.write(.text("Hi")) + writer.write(.finished(.endTurn)) + writer.end(failure: "no [DONE]")
        let response = try JSONParser.parse(events.last!.data)["response"]
        #expect(events.last?.name == "response.failed")
        #expect(response?["status"] == "failed")
        #expect(response?["error"]?["code"] == "server_error")
        #expect(history.count == 0, "a failed response is not remembered")
    }

    @Test("a failed end before anything: created, in progress, failed")
    func failEarly() throws {
        var writer = ResponsesStreamWriter(renderer: try renderer(), history: history.scope(nil))
        let events = writer.end(failure: "connection refused")
        #expect(try types(events) == ["response.created", "response.in_progress", "response.failed"])
        #expect(try JSONParser.parse(events[2].data)["response"]?["error"]?["message"] == "connection refused")
    }

    @Test("text after a call: the message takes the next output index, in the final output too")
    func textAfterCall() throws {
        var writer = ResponsesStreamWriter(renderer: try renderer(), history: history.scope(nil))
        var events = writer.write(.toolCall(index: 0, id: "c", name: "get_weather"))
        events += writer.write(.toolArguments(index: 0, "{}"))
        events += writer.write(.text("also"))
        events += writer.write(.finished(.toolUse))
        events += writer.write(.usage(Usage(input: 3, output: 4)))
        let added = try events.filter { $0.name == "response.output_item.added" }.map { try JSONParser.parse($0.data) }
        #expect(added.map { $0["item"]!["id"]!.string! } == ["fc_0001_0", "msg_0001"])
        #expect(added.map { $0["output_index"]!.int! } == [0, 1])
        let output = try JSONParser.parse(events.last!.data)["response"]?["output"]?.array
        #expect(output?.map { $0["id"]!.string! } == ["fc_0001_0", "msg_0001"])
    }

    @Test("text an upstream sends after its finish still counts, until the response completes")
    func textAfterFinish() throws {
        var writer = ResponsesStreamWriter(renderer: try renderer(), history: history.scope(nil))
        let events = writer.write(.text("a")) + writer.write(.finished(.endTurn)) + writer.write(.text("b"))
            + writer.write(.usage(Usage(input: 1, output: 2))) + writer.write(.text("late"))
        let done = try events.filter { $0.name == "response.output_text.done" }.map { try JSONParser.parse($0.data)["text"] }
        #expect(done == ["ab"])
        #expect(events.last?.name == "response.completed")
    }

    @Test("a completed response is remembered: the next request continues it")
    func remembered() throws {
        let renderer = try renderer()
        var writer = ResponsesStreamWriter(renderer: renderer, history: history.scope(nil))
        _ = writer.write(.text("Sunny.")) + writer.write(.finished(.endTurn)) + writer.write(.usage(Usage(input: 1, output: 1)))
        let next = try ResponsesRequestTranslator(history: history.scope(nil)).translate(
            ["previous_response_id": .string(renderer.responseID), "input": "Thanks"], model: "m")
        #expect(next.chatRequest["messages"]?.text
            == #"[{"role":"user","content":"Weather in Paris?"},{"role":"assistant","content":"Sunny."},{"role":"user","content":"Thanks"}]"#)
    }
}
