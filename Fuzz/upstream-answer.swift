import Foundation

@testable import UpstreamAnswers

/// A hostile bridge's error answer: the first byte picks the status, the lines up to a blank one
/// are `name: value` headers, the rest is the body. Reading its reset and its verdict must never
/// crash, and a reset is never before now.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let status = [400, 401, 402, 403, 404, 429, 500, 502, 503, 504][Int(first) % 10]
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    let parts = text.components(separatedBy: "\n\n")
    let headers = parts[0].split(separator: "\n").compactMap { line -> (name: String, value: String)? in
        let pair = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        return pair.count == 2 ? (String(pair[0]), String(pair[1])) : nil
    }
    let body = parts.dropFirst().joined(separator: "\n\n")
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    _ = RateLimitReset.until(headers: headers, body: body, now: now)
    if case .limited(let until, _) = UpstreamVerdict.classify(status: status, headers: headers, body: body, model: "gpt-test", now: now) {
        precondition(until.timeIntervalSince1970.isFinite)
    }
    return 0
}
