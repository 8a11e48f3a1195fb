import Synchronization  // Translation uses it; importing it here links it
import Translation

/// One history for every run, holding `resp_1`, so that `previous_response_id` paths are reached.
let history: ResponseHistory = {
    let history = ResponseHistory(capacity: 16)
    history.record([["role": "user", "content": "earlier"], ["role": "assistant", "content": "answer"]], for: "resp_1")
    return history
}()

/// A Responses API request translated to a chat request, then written.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let request = try? JSONParser.parse(UnsafeBufferPointer(start: data, count: size)) else { return 0 }
    _ = (try? ResponsesRequestTranslator(history: history.scope(nil)).translate(request, model: "fuzz-model"))?.chatRequest.bytes
    return 0
}
