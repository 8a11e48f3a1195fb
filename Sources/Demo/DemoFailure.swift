/// Why the demo could not start or stopped early: one message naming what was wrong, with the
/// tail of the relevant log where that helps.
public struct DemoFailure: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String

    /// A failure with the given message.
    public init(_ description: String) { self.description = description }
}
