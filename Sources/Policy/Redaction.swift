/// Secrets taken out of text before it is shown, logged or stored: what a URL carries in its user
/// information and query, a webhook URL's path (an ntfy topic, a Slack hook's token), and the
/// value of an `Authorization` header. What is left still says which host and what kind of thing.
public enum Redaction {
    /// What stands in for a secret.
    public static let mark = "***"

    /// `text` with the password or whole user information of a URL (`https://ops:pw@host` →
    /// `https://***@host`) and every query value (`?token=abc` → `?token=***`) replaced; with
    /// `path` true, the path as well (`https://ntfy.sh/topic` → `https://ntfy.sh/***`), for URLs
    /// whose path is the secret. Text that is not a URL is left as it is.
    public static func url(_ text: String, path hidePath: Bool = false) -> String {
        guard let separator = text.firstRange(of: "://") else { return text }
        let scheme = text[..<separator.upperBound]
        var rest = text[separator.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        rest = rest[authorityEnd...]
        if let at = authority.lastIndex(of: "@") {
            authority = mark + authority[at...]
        }
        let fragmentStart = rest.firstIndex(of: "#") ?? rest.endIndex
        let beforeFragment = rest[..<fragmentStart]
        let queryStart = beforeFragment.firstIndex(of: "?") ?? beforeFragment.endIndex
        var pathPart = String(beforeFragment[..<queryStart])
        if hidePath && !pathPart.isEmpty && pathPart != "/" { pathPart = "/" + mark }
        var query = ""
        if queryStart < beforeFragment.endIndex {
            let pairs = beforeFragment[beforeFragment.index(after: queryStart)...].split(separator: "&", omittingEmptySubsequences: false)
            query = "?" + pairs.map { pair in
                guard let equals = pair.firstIndex(of: "=") else { return String(pair) }
                return pair[...equals] + mark
            }.joined(separator: "&")
        }
        let fragment = fragmentStart < rest.endIndex ? "#" + mark : ""
        return scheme + authority + pathPart + query + fragment
    }

    /// An `Authorization` (or `x-api-key`) value with its credential replaced: `Bearer ***`.
    public static func authorization(_ value: String) -> String {
        let parts = value.split(separator: " ", maxSplits: 1)
        return parts.count == 2 ? "\(parts[0]) \(mark)" : mark
    }
}
