import Foundation  // Policy uses it; importing it here links it
import Policy

/// Bridge URL parsing, its literal form, redaction and the cleaning of untrusted text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let url = try? BridgeURL(text) {
        _ = url.literal
        _ = url.description
    }
    _ = ExposurePolicy(source: "fuzz").check(url: text)
    _ = Redaction.url(text)
    let cleaned = UntrustedText.clean(text, limit: 64)
    guard cleaned.count <= 64, !cleaned.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
        fatalError("UntrustedText let a control character through or went past its limit")
    }
    return 0
}
