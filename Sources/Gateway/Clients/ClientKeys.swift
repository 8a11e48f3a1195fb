import COpenSSL
import Foundation
import Store

/// The gateway's client keys: named keys, stored as SHA-256 hashes, never as the keys themselves.
///
/// The file has one key per line, `NAME sha256:HEX`, where HEX is the SHA-256 of the key
/// (`printf %s "$KEY" | sha256sum`); `#` starts a comment. A request carries its key as
/// `Authorization: Bearer KEY` or `x-api-key: KEY`; the key's name becomes the request's caller.
public struct ClientKeys: Sendable {
    private let names: [[UInt8]: String]

    /// Why a keys file cannot be used; names the file and line, never a key or hash.
    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Parses a keys file's `text`; `source` names it in errors.
    public init(parsing text: String, source: String) throws(ParseError) {
        var names: [[UInt8]: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first?
                .trimmingCharacters(in: .whitespaces) ?? ""
            guard !line.isEmpty else { continue }
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard fields.count == 2, fields[1].hasPrefix("sha256:"), let hash = Self.bytes(hex: fields[1].dropFirst(7)), hash.count == 32 else {
                throw ParseError(description: "\(source):\(index + 1): expected 'NAME sha256:<64 hex digits>'")
            }
            guard names[hash] == nil else { throw ParseError(description: "\(source):\(index + 1): the same key is listed twice") }
            let name = String(fields[0])
            // The name is the ledger's key column and scopes a client's Responses history.
            guard RequestRecord.isName(name) else {
                throw ParseError(description: "\(source):\(index + 1): the key's name must be a plain name of at most \(RequestRecord.longestName) characters that does not look like a key itself")
            }
            guard !names.values.contains(name) else {
                throw ParseError(description: "\(source):\(index + 1): the name '\(name)' is given to two keys; each key needs its own")
            }
            names[hash] = name
        }
        guard !names.isEmpty else { throw ParseError(description: "\(source): holds no keys") }
        self.names = names
    }

    /// The name of the key a request carries, or nil when it carries none that is known.
    func name(authorization: String?, apiKey: String?) -> String? {
        let key: Substring
        if let apiKey, !apiKey.isEmpty {
            key = Substring(apiKey)
        } else if let authorization, authorization.lowercased().hasPrefix("bearer ") {
            key = authorization.dropFirst(7)
        } else {
            return nil
        }
        return names[Self.sha256(Array(key.utf8))]
    }

    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        _ = bytes.withUnsafeBufferPointer { input in digest.withUnsafeMutableBufferPointer { SHA256(input.baseAddress, input.count, $0.baseAddress) } }
        return digest
    }

    private static func bytes(hex: Substring) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = hex.makeIterator()
        while let high = iterator.next() {
            guard let low = iterator.next(), let value = UInt8(String([high, low]), radix: 16) else { return nil }
            bytes.append(value)
        }
        return bytes
    }
}
