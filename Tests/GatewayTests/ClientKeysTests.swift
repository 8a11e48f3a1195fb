import Foundation
import Testing

@testable import Gateway

@Suite("ClientKeys")
struct ClientKeysTests {
    // printf %s 'sk-test-key' | sha256sum
    static let hash = "8a5ff5dbd3d0b1e0e1f1b3c6d8b9c3a8b4e8f1e2d3c4b5a69788796a5b4c3d2e"

    @Test("a listed key is found by Bearer or x-api-key and named; others are not")
    func lookup() throws {
        let digest = ClientKeys.sha256(Array("sk-test-key".utf8)).map { String(format: "%02x", $0) }.joined()
        let keys = try ClientKeys(parsing: "# comment\n\nalice sha256:\(digest)  # laptop\n", source: "keys")
        #expect(keys.name(authorization: "Bearer sk-test-key", apiKey: nil) == "alice")
        #expect(keys.name(authorization: nil, apiKey: "sk-test-key") == "alice")
        #expect(keys.name(authorization: "Bearer sk-test-kez", apiKey: nil) == nil)
        #expect(keys.name(authorization: "Basic sk-test-key", apiKey: nil) == nil)
    }

    @Test("SHA-256 matches the standard test vector")
    func vector() {
        let digest = ClientKeys.sha256(Array("abc".utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("bad files are refused naming the line, never echoing it", arguments: [
        ("alice sk-plain-key", "keys:1"),
        ("alice sha256:abc", "keys:1"),
        ("\nalice sha256:\(hash) extra", "keys:2"),
        ("# nothing", "holds no keys"),
        ("sk-alice sha256:\(hash)", "keys:1: the key's name must be a plain name"),
        ("alice sha256:\(hash)\nalice sha256:\(String(repeating: "0", count: 64))", "keys:2: the name 'alice' is given to two keys"),
    ])
    func refused(text: String, expected: String) {
        do {
            _ = try ClientKeys(parsing: text, source: "keys")
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(expected))
            #expect(!error.description.contains("sk-plain-key"))
        }
    }
}
