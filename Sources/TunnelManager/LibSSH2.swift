import CLibSSH2

/// Facts about the linked libssh2.
public enum LibSSH2 {
    /// The runtime libssh2 version, e.g. `1.10.0`.
    public static var version: String {
        guard let text = libssh2_version(0) else { return "unknown" }
        return String(cString: text)
    }
}
