public import Store

extension IncidentRecord {
    /// The key of a subject's incident: `bridge:<name>` or `tunnel:<name>`.
    public static func key(kind: StateChange.Kind, subject: String) -> String {
        "\(kind.rawValue):\(subject)"
    }
}
