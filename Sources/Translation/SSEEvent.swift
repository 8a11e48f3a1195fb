/// One server-sent event: its `event:` name (nil when the stream does not name it) and its
/// `data:` lines joined with newlines.
public struct SSEEvent: Sendable, Equatable {
    public var name: String?
    public var data: String

    public init(name: String? = nil, data: String) {
        self.name = name
        self.data = data
    }

    /// A data event carrying `json`.
    public init(name: String? = nil, json: JSON) {
        self.init(name: name, data: json.text)
    }

    /// The event on the wire: `event:` (when named), `data:` per line, a blank line.
    public var bytes: [UInt8] {
        var text = name.map { "event: \($0)\n" } ?? ""
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        return Array((text + "\n").utf8)
    }
}
