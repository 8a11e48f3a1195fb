public import Foundation

/// A fresh directory of the owner's only (0700) under the system's temporary directory, removed
/// with its contents when the last reference to it goes.
public final class TemporaryDirectory: Sendable {
    /// The directory's absolute path.
    public let path: String

    /// Creates the directory, named `label-` and a random suffix so that parallel tests never meet.
    public init(_ label: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("bk-\(label)-\(UUID().uuidString.prefix(12))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `name` inside the directory, with permissions `mode` when given, and
    /// returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String, mode: Int? = nil) throws -> String {
        let file = file(name)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        if let mode { try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file) }
        return file
    }
}
