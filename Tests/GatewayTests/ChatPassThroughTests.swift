import NIOCore
import Testing

@testable import Gateway

@Suite("ChatPassThrough")
struct ChatPassThroughTests {
    static let text = #"data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}"# + "\n\n"

    func run(_ pieces: [String], failure: String? = nil) -> (String, String?) {
        var conversion = ChatPassThrough(clientWantsUsage: false, bridge: "codex")
        var output: [UInt8] = []
        for piece in pieces { output += conversion.take(ByteBuffer(string: piece)).readableBytesView }
        output += conversion.end(failure: failure)
        return (String(decoding: output, as: UTF8.self), conversion.errorCode)
    }

    @Test("a stream that ends with [DONE] passes unchanged")
    func clean() {
        let (output, code) = run([Self.text, "data: [DONE]\n\n"])
        #expect(output == Self.text + "data: [DONE]\n\n")
        #expect(code == nil)
    }

    @Test("a stream that ends without [DONE], or breaks off, ends with an error event naming the bridge")
    func truncated() {
        for (failure, says) in [(nil, "ended the stream before finishing"), ("connection reset", "broke off the stream (connection reset)")] {
            let (output, code) = run([Self.text], failure: failure)
            #expect(output.hasPrefix(Self.text))
            #expect(output.contains(#""code":"upstream_disconnected""#) && output.contains("bridge codex " + says), "\(output)")
            #expect(!output.contains("[DONE]"))
            #expect(code == "upstream_disconnected")
        }
    }
}
