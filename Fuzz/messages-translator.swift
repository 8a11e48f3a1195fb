import Translation

/// An Anthropic Messages request translated for an OpenAI-style bridge, then written.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let request = try? JSONParser.parse(UnsafeBufferPointer(start: data, count: size)) else { return 0 }
    _ = (try? MessagesRequestTranslator(model: "fuzz-model").translate(request))?.bytes
    _ = MessagesRequestTranslator.stopSequences(in: request)
    return 0
}
