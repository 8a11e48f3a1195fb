import Foundation

/// Golden transcripts: files under `Tests/TranslationTests/Golden/`, read from the source tree.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// The text of `Golden/NAME`.
    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

}
