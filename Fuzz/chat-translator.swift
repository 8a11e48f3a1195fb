import Translation

/// A chat completions request translated for an Anthropic bridge, then written.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let request = try? JSONParser.parse(UnsafeBufferPointer(start: data, count: size)) else { return 0 }
    _ = (try? ChatRequestTranslator.anthropicRequest(request, model: "fuzz-model"))?.bytes
    return 0
}
