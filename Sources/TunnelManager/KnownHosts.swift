import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A parsed OpenSSH known_hosts file (see sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT").
///
/// Each usable line is `[@marker] hosts keytype base64-key [comment]`. What this mirrors from OpenSSH:
/// - A host is looked up as `host` on port 22 and as `[host]:port` otherwise (only that form), lowercased.
/// - The host field is a comma-separated list of `*`/`?` patterns, compared case-insensitively; a line
///   applies when some pattern matches and no `!`-negated pattern does.
/// - A host field `|1|salt|hash` (from `ssh-keygen -H`) applies when HMAC-SHA1(salt, lookup name) is the hash.
/// - `@revoked` lines apply to their hosts like any other line (as OpenSSH does; use `*` to revoke a key
///   everywhere), and a revoked key is refused even if another line accepts it.
/// - `@cert-authority` lines are parsed but ignored: libssh2 cannot verify host certificates.
/// - A key whose base64 blob names a type other than the line's key type field is malformed, as in OpenSSH.
struct KnownHosts: Sendable {
    /// 1-based numbers of the lines that were neither blank, comments, nor usable entries.
    let skippedLines: [Int]
    /// The usable lines in file order.
    private let entries: [Entry]

    /// Parses text; never throws. Lines it cannot use are listed by 1-based number in `skippedLines`.
    init(contents: String) {
        var entries: [Entry] = []
        var skipped: [Int] = []
        let lines = contents.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            let fields = line.split { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
                .map { String(decoding: $0, as: UTF8.self) }
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            if let entry = Entry(fields: fields) {
                entries.append(entry)
            } else {
                skipped.append(index + 1)
            }
        }
        self.entries = entries
        self.skippedLines = skipped
    }

    /// Reads a file; throws `KnownHostsError` naming the path and the OS reason when unreadable.
    static func load(path: String) throws -> KnownHosts {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw KnownHostsError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw KnownHostsError(path: path, reason: String(cString: strerror(errno)))
            }
            bytes += buffer[..<count]
        }
        return KnownHosts(contents: String(decoding: bytes, as: UTF8.self))
    }

    /// Key types (e.g. "ssh-ed25519", "ecdsa-sha2-nistp256") recorded for this host, in file order, without duplicates.
    ///
    /// Only plain entries count: a type known solely from `@revoked` lines is not one to prefer.
    func keyTypes(host: String, port: UInt16) -> [String] {
        var types: [String] = []
        for entry in entries(host: host, port: port) where entry.marker == .none && !types.contains(entry.keyType) {
            types.append(entry.keyType)
        }
        return types
    }

    /// Judges the key a server presented: revoked, else match, else mismatch, else unknown.
    ///
    /// `key` is the raw host key blob (SSH wire format) and `keyType` its algorithm name.
    func verify(host: String, port: UInt16, keyType: String, key: [UInt8]) -> HostKeyVerdict {
        let applicable = entries(host: host, port: port)
        if applicable.contains(where: { $0.marker == .revoked && $0.key == key }) {
            return .revoked
        }
        let sameType = applicable.filter { $0.marker == .none && $0.keyType == keyType }
        if sameType.contains(where: { $0.key == key }) {
            return .match
        }
        return sameType.isEmpty ? .unknown : .mismatch
    }

    /// The entries whose host field applies to `host` on `port`, in file order.
    private func entries(host: String, port: UInt16) -> [Entry] {
        let lowercased = host.lowercased()
        let name = port == 22 ? lowercased : "[\(lowercased)]:\(port)"
        let nameBytes = Array(name.utf8)
        return entries.filter { $0.hosts.matches(nameBytes) }
    }
}

extension KnownHosts {
    /// One usable known_hosts line.
    private struct Entry {
        /// The optional `@` marker that starts a line.
        enum Marker {
            /// An ordinary line: the key is accepted for its hosts.
            case none
            /// `@revoked`: the key must never be accepted for its hosts.
            case revoked
            /// `@cert-authority`: the key signs host certificates (unsupported, so ignored).
            case certAuthority
        }

        /// The line's marker.
        let marker: Marker
        /// The hosts the line applies to.
        let hosts: HostField
        /// The key type field, e.g. `ssh-ed25519`.
        let keyType: String
        /// The base64-decoded key blob.
        let key: [UInt8]

        /// Parses a line's whitespace-separated fields; nil when malformed (unknown marker, too few
        /// fields, bad host hash, bad base64, or a blob of another type than the type field).
        init?(fields: [String]) {
            var rest = fields[...]
            switch rest.first {
            case "@revoked": marker = .revoked
            case "@cert-authority": marker = .certAuthority
            case let first? where first.hasPrefix("@"): return nil
            default: marker = .none
            }
            if marker != .none { rest = rest.dropFirst() }
            guard rest.count >= 3,
                let hosts = HostField(rest[rest.startIndex]),
                let data = Data(base64Encoded: rest[rest.startIndex + 2])
            else { return nil }
            let keyType = rest[rest.startIndex + 1]
            let key = [UInt8](data)
            guard Self.typeName(ofBlob: key) == keyType else { return nil }
            self.hosts = hosts
            self.keyType = keyType
            self.key = key
        }

        /// The type name a key blob starts with (an SSH `string`: 32-bit big-endian length, then bytes).
        private static func typeName(ofBlob blob: [UInt8]) -> String? {
            guard blob.count >= 4 else { return nil }
            let length = blob[0..<4].reduce(0) { $0 << 8 | Int($1) }
            guard length <= blob.count - 4 else { return nil }
            return String(decoding: blob[4..<4 + length], as: UTF8.self)
        }
    }

    /// A line's host field: a pattern list or one hashed name.
    private enum HostField {
        /// Comma-separated patterns, lowercased, each possibly negated with `!`.
        case patterns([(negated: Bool, pattern: [UInt8])])
        /// `|1|salt|hash`: the HMAC-SHA1 of the lookup name under `salt` is `hash`.
        case hashed(salt: [UInt8], hash: [UInt8])

        /// Parses a host field; nil when it starts with `|` but is not a valid `|1|salt|hash` (as in
        /// OpenSSH, the salt must be 20 bytes).
        init?(_ field: String) {
            guard field.hasPrefix("|") else {
                self = .patterns(field.lowercased().split(separator: ",", omittingEmptySubsequences: false).map { item in
                    item.hasPrefix("!") ? (true, Array(item.dropFirst().utf8)) : (false, Array(item.utf8))
                })
                return
            }
            let parts = field.split(separator: "|", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[1] == "1",
                let salt = Data(base64Encoded: String(parts[2])), salt.count == 20,
                let hash = Data(base64Encoded: String(parts[3])), hash.count == 20
            else { return nil }
            self = .hashed(salt: [UInt8](salt), hash: [UInt8](hash))
        }

        /// Whether the line applies to `name` (the lowercased lookup name, as UTF-8).
        func matches(_ name: [UInt8]) -> Bool {
            switch self {
            case .hashed(let salt, let hash):
                return HMACSHA1.authenticate(message: name, key: salt) == hash
            case .patterns(let patterns):
                var matched = false
                for (negated, pattern) in patterns where Self.glob(pattern, matches: name) {
                    if negated { return false }
                    matched = true
                }
                return matched
            }
        }

        /// Whether `name` matches `pattern`, where `*` is any run of bytes and `?` any one byte.
        private static func glob(_ pattern: [UInt8], matches name: [UInt8]) -> Bool {
            var (p, n) = (0, 0)
            // Where the last `*` was, and the name position it currently stands in for up to.
            var star: (p: Int, n: Int)?
            while n < name.count {
                if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                    star = (p, n)
                    p += 1
                } else if p < pattern.count, pattern[p] == UInt8(ascii: "?") || pattern[p] == name[n] {
                    p += 1
                    n += 1
                } else if let last = star {
                    // Let the last `*` swallow one more byte and retry after it.
                    star = (last.p, last.n + 1)
                    (p, n) = (last.p + 1, last.n + 1)
                } else {
                    return false
                }
            }
            while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
            return p == pattern.count
        }
    }
}

/// The judgement of a presented host key against known_hosts.
enum HostKeyVerdict: Equatable, Sendable {
    /// A line for this host has this exact key.
    case match
    /// The host is known with this key type but a different key (possible MITM / key change).
    case mismatch
    /// No line for this host and key type.
    case unknown
    /// An `@revoked` line for this host lists this key.
    case revoked
}

/// A known_hosts file that could not be read.
struct KnownHostsError: Error, CustomStringConvertible {
    /// The file's path.
    let path: String
    /// The operating system's reason, e.g. "No such file or directory".
    let reason: String

    /// The path and the reason, for logs and error messages.
    var description: String { "\(path): cannot read known_hosts file (\(reason))" }
}
