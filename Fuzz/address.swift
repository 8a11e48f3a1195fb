import Foundation  // Policy uses it; importing it here links it
import Policy

/// Address parsing and the bind rules on any text: the parser, the policy's judgement, and a
/// policy file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? HostPort.parse(text)
    _ = try? HostPort.parse(text, defaultPort: 443)
    _ = ExposurePolicy(source: "fuzz").check(bind: text)
    _ = try? ExposurePolicy.parse(text, source: "fuzz-policy.toml")
    _ = Listener.parseProcNet(text)
    _ = Listener.parseProcNet(text, transport: .udp)
    return 0
}
