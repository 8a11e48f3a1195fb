/// A local token count where the upstream gives none (yet): about four characters a token, over
/// every string in a request (text, tool definitions, arguments), plus a few tokens per message.
/// It is an estimate and is flagged as one wherever it is stored or shown.
public enum TokenEstimate {
    /// Tokens for `characters` characters.
    public static func tokens(characters: Int) -> Int { (characters + 3) / 4 }

    /// Tokens for a request body: its strings' characters, and 4 per element of `messages`/`input`.
    public static func tokens(request json: JSON) -> Int {
        let turns = (json["messages"]?.array?.count ?? 0) + (json["input"]?.array?.count ?? 0)
        return tokens(characters: characters(in: json)) + 4 * turns
    }

    /// The characters of every string (keys excluded) in `json`.
    public static func characters(in json: JSON) -> Int {
        switch json {
        case .string(let text): text.count
        case .array(let elements): elements.reduce(0) { $0 + characters(in: $1) }
        case .object(let object): object.reduce(0) { $0 + characters(in: $1.value) }
        default: 0
        }
    }
}
