import CCurl

/// Facts about the linked libcurl.
public enum LibCurl {
    /// The runtime libcurl version, e.g. `7.88.1`.
    public static var version: String {
        guard let info = bk_curl_version_info(), let text = info.pointee.version else { return "unknown" }
        return String(cString: text)
    }
}
