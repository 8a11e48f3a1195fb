import CLibSSH2

/// Facts about the linked libssh2.
public enum LibSSH2 {
    /// The runtime libssh2 version, e.g. `1.10.0`.
    public static var version: String {
        guard let text = libssh2_version(0) else { return "unknown" }
        return String(cString: text)
    }

    /// libssh2's global initialisation (crypto back end), run once before any session exists.
    static let initialized: Bool = libssh2_init(0) == 0
}
