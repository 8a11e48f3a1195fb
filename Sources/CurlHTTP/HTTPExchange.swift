import CCurl
import Glibc
import Platform

/// Performs ``HTTPRequest``s with libcurl's easy interface: blocking, so call it from a thread of
/// its own (``ProbeScheduler`` keeps a small pool), never from Swift's cooperative pool.
///
/// Every transfer sets `CURLOPT_NOSIGNAL` (safe on threads), millisecond timeouts, HTTP and HTTPS
/// as the only protocols (redirects included, and not followed), and `NOPROXY "*"` unless the
/// request allows a proxy.
public enum HTTPExchange {
    /// libcurl's global state, set up once before the first transfer.
    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// Performs the request and returns the response or why there was none.
    public static func perform(_ request: HTTPRequest) -> HTTPOutcome {
        guard initialized, let handle = curl_easy_init() else {
            return HTTPOutcome(result: .failure(HTTPFailure(.other, "libcurl could not be initialised")), timings: PhaseTimings())
        }
        defer { curl_easy_cleanup(handle) }
        let sink = ResponseSink(limit: request.maxResponseBytes)
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        if request.method == .post && !request.headers.contains(where: { $0.name.lowercased() == "expect" }) {
            headerList = curl_slist_append(headerList, "Expect:")  // no 100-continue round trip
        }

        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errors in
                withExtendedLifetime(sink) {
                    let options: [CURLcode] = [
                        bk_curl_setopt_string(handle, CURLOPT_URL, request.url),
                        bk_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1),
                        bk_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
                        bk_curl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"),
                        bk_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0),
                        bk_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int(request.timeout.inMilliseconds))),
                        bk_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(request.connectTimeout.inMilliseconds))),
                        bk_curl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1),
                        request.useProxy ? CURLE_OK : bk_curl_setopt_string(handle, CURLOPT_NOPROXY, "*"),
                        bk_curl_setopt_string(handle, CURLOPT_USERAGENT, "bridgekeeper"),
                        bk_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress),
                        bk_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList),
                        bk_curl_setopt_write_function(handle, ResponseSink.write),
                        bk_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque()),
                        request.method == .post ? setBody(request.body, on: handle) : CURLE_OK,
                    ]
                    if let failed = options.first(where: { $0 != CURLE_OK }) { return failed }
                    return curl_easy_perform(handle)
                }
        }
        let timings = timings(of: handle)
        guard code == CURLE_OK else {
            return HTTPOutcome(result: .failure(failure(code, handle: handle, errorBuffer: errorBuffer, timings: timings)), timings: timings)
        }
        var status = 0
        _ = bk_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var contentType: UnsafeMutablePointer<CChar>?
        _ = bk_curl_getinfo_string(handle, CURLINFO_CONTENT_TYPE, &contentType)
        return HTTPOutcome(
            result: .response(status: status, contentType: contentType.map { String(cString: $0) }, body: sink.bytes),
            timings: timings)
    }

    /// Sets the POST body; libcurl copies it.
    private static func setBody(_ body: [UInt8], on handle: UnsafeMutableRawPointer) -> CURLcode {
        body.withUnsafeBytes { bytes in
            bk_curl_setopt_body(handle, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
        }
    }

    /// Sorts libcurl's error into the kinds classification needs.
    private static func failure(_ code: CURLcode, handle: UnsafeMutableRawPointer, errorBuffer: [CChar], timings: PhaseTimings) -> HTTPFailure {
        var osError = 0
        _ = bk_curl_getinfo_long(handle, CURLINFO_OS_ERRNO, &osError)
        let detail = errorBuffer.first == 0
            ? String(cString: curl_easy_strerror(code))
            : String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch code {
        case CURLE_COULDNT_CONNECT where Int32(osError) == ECONNREFUSED:
            return HTTPFailure(.refused, "connection refused")
        case CURLE_OPERATION_TIMEDOUT where timings.connectMs == nil:
            return HTTPFailure(.connectTimeout, detail)
        case CURLE_OPERATION_TIMEDOUT:
            return HTTPFailure(.timeout, detail)
        case CURLE_GOT_NOTHING:
            return HTTPFailure(.closedWithoutReply, "accepted the connection, then closed it with no reply")
        case CURLE_RECV_ERROR where timings.firstByteMs == nil && Int32(osError) == ECONNRESET,
            CURLE_SEND_ERROR where timings.firstByteMs == nil && Int32(osError) == ECONNRESET:
            return HTTPFailure(.closedWithoutReply, "accepted the connection, then reset it with no reply")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return HTTPFailure(.resolve, detail)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE:
            return HTTPFailure(.tls, detail)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return HTTPFailure(.badRequest, detail)
        default:
            return HTTPFailure(.other, detail)
        }
    }

    /// libcurl's phase times, in milliseconds; a phase not reached (zero) is nil.
    private static func timings(of handle: UnsafeMutableRawPointer) -> PhaseTimings {
        func phase(_ info: CURLINFO) -> Double? {
            var microseconds: curl_off_t = 0
            guard bk_curl_getinfo_off(handle, info, &microseconds) == CURLE_OK, microseconds > 0 else { return nil }
            return Double(microseconds) / 1000
        }
        let connect = phase(CURLINFO_CONNECT_TIME_T)
        let tls = phase(CURLINFO_APPCONNECT_TIME_T)
        return PhaseTimings(
            connectMs: connect, tlsMs: tls, firstByteMs: phase(CURLINFO_STARTTRANSFER_TIME_T), totalMs: phase(CURLINFO_TOTAL_TIME_T))
    }
}

/// Collects a response body up to a limit, for libcurl's write callback.
private final class ResponseSink {
    let limit: Int
    var bytes: [UInt8] = []

    init(limit: Int) { self.limit = limit }

    static let write: bk_curl_data_callback = { data, size, count, context in
        let length = size * count
        guard let data, let context else { return length }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        let kept = min(length, sink.limit - sink.bytes.count)
        if kept > 0 {
            data.withMemoryRebound(to: UInt8.self, capacity: kept) { sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: kept)) }
        }
        return length
    }
}
