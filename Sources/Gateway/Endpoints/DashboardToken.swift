import Foundation

/// The dashboard's bearer token, compared in constant time. It describes itself as `<redacted>`, so a
/// value holding it (swift-service-lifecycle logs its services at debug level) never prints it.
public struct DashboardToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let secret: [UInt8]

    /// A token; surrounding whitespace (a file's trailing newline) is not part of it. Nil when empty.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        secret = Array(trimmed.utf8)
    }

    /// Whether an `Authorization` header carries this token (`Bearer TOKEN`). The comparison takes
    /// the same time wherever the first difference is.
    func accepts(authorization: String?) -> Bool {
        guard let authorization, authorization.lowercased().hasPrefix("bearer ") else { return false }
        let offered = Array(authorization.utf8.dropFirst(7))
        // The lengths are compared whole: folded into a byte, a token followed by 256 NULs matched.
        var difference = UInt(bitPattern: offered.count ^ secret.count)
        for index in 0..<max(offered.count, secret.count) {
            let a = index < offered.count ? offered[index] : 0
            let b = index < secret.count ? secret[index] : 0
            difference |= UInt(a ^ b)
        }
        return difference == 0
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
