/// Secrets taken out of a URL before it is shown, logged or stored: what it carries in its user
/// information, query and fragment. What is left still says which host and which path.
public enum Redaction {
    /// What stands in for a secret.
    public static let mark = "***"

    /// `text` with the whole user information of a URL (`https://ops:pw@host` →
    /// `https://***@host`), every query value (`?token=abc` → `?token=***`) and the fragment
    /// replaced. Text that is not a URL is left as it is.
    public static func url(_ text: String) -> String {
        // Without a scheme, whatever stands before an `@` may still be a user and password.
        guard let separator = text.firstRange(of: "://") else {
            guard let at = text.lastIndex(of: "@") else { return text }
            return mark + text[at...]
        }
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
        let pathPart = beforeFragment[..<queryStart]
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
}
