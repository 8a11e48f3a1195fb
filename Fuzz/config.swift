import Foundation  // Policy uses it; importing it here links it
import Policy
import Config

/// Config loading on any text, then the exposure check and the audit targets of what loaded.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let configuration = try? Configuration.parse(text, source: "fuzz.toml", environment: ["CREDENTIALS_DIRECTORY": "/run/credentials"]) else {
        return 0
    }
    _ = configuration.exposureReport(policy: ExposurePolicy(source: "fuzz")).text
    _ = configuration.auditTargets
    return 0
}
