import Foundation
import TestSupport
import Testing

@testable import TunnelManager

/// known_hosts parsing and host key verdicts, checked against real `ssh-keygen` keys and hashing.
@Suite struct KnownHostsTests {
    // MARK: HMAC-SHA1

    /// RFC 2202 section 3, test cases 1, 2, 3, 6 and 7 (short and long keys, multi-block data).
    @Test(arguments: [
        RFC2202Vector(
            number: 1, key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8),
            digest: "b617318655057264e28bc0b6fb378c8ef146be00"),
        RFC2202Vector(
            number: 2, key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8),
            digest: "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        RFC2202Vector(
            number: 3, key: [UInt8](repeating: 0xaa, count: 20), message: [UInt8](repeating: 0xdd, count: 50),
            digest: "125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
        RFC2202Vector(
            number: 6, key: [UInt8](repeating: 0xaa, count: 80),
            message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            digest: "aa4ae5e15272d00e95705637ce8a3b55ed402112"),
        RFC2202Vector(
            number: 7, key: [UInt8](repeating: 0xaa, count: 80),
            message: Array("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data".utf8),
            digest: "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"),
    ])
    func hmacSHA1MatchesRFC2202(vector: RFC2202Vector) {
        let digest = HMACSHA1.authenticate(message: vector.message, key: vector.key)
        #expect(digest.map { String(format: "%02x", $0) }.joined() == vector.digest)
    }

    @Test("an empty key and an empty message: libcrypto is never handed a null key")
    func hmacSHA1OfNothing() {
        let digest = HMACSHA1.authenticate(message: [], key: [])
        #expect(digest.map { String(format: "%02x", $0) }.joined() == "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d")
    }

    // MARK: Hashed entries from ssh-keygen -H

    /// `ssh-keygen -H` output matches exactly the names it hashed, and no other name or port.
    @Test func hashedEntriesFromSSHKeygen() throws {
        let keys = try KeyFixture()
        let key = try keys.generate("hashed")
        let path = keys.directory + "/known_hosts"
        try "[127.0.0.1]:2222,example.net \(key.line)\n".write(toFile: path, atomically: true, encoding: .utf8)
        try keys.run(["-H", "-f", path])

        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 2)
        #expect(text.split(separator: "\n").allSatisfy { $0.hasPrefix("|1|") })
        #expect(!text.contains("example") && !text.contains("127.0.0.1"))

        let hosts = try KnownHosts.load(path: path)
        #expect(hosts.skippedLines.isEmpty)
        #expect(hosts.verify(host: "127.0.0.1", port: 2222, keyType: key.type, key: key.blob) == .match)
        #expect(hosts.verify(host: "example.net", port: 22, keyType: key.type, key: key.blob) == .match)
        #expect(hosts.verify(host: "Example.NET", port: 22, keyType: key.type, key: key.blob) == .match)
        #expect(hosts.keyTypes(host: "example.net", port: 22) == ["ssh-ed25519"])

        #expect(hosts.verify(host: "127.0.0.1", port: 22, keyType: key.type, key: key.blob) == .unknown)
        #expect(hosts.verify(host: "127.0.0.1", port: 2223, keyType: key.type, key: key.blob) == .unknown)
        #expect(hosts.verify(host: "example.net", port: 2222, keyType: key.type, key: key.blob) == .unknown)
        #expect(hosts.verify(host: "example.org", port: 22, keyType: key.type, key: key.blob) == .unknown)
        #expect(hosts.keyTypes(host: "example.org", port: 22).isEmpty)

        let other = try keys.generate("other")
        #expect(hosts.verify(host: "example.net", port: 22, keyType: other.type, key: other.blob) == .mismatch)
    }

    // MARK: Plain entries

    /// Port 22 looks up the bare name; any other port only the `[host]:port` form.
    @Test func portSelectsBareOrBracketedName() throws {
        let keys = try KeyFixture()
        let bare = try keys.generate("bare")
        let bracketed = try keys.generate("bracketed")
        let hosts = KnownHosts(contents: """
            gate.example.com \(bare.line)
            [gate.example.com]:2222 \(bracketed.line)
            """)
        #expect(hosts.verify(host: "gate.example.com", port: 22, keyType: bare.type, key: bare.blob) == .match)
        #expect(hosts.verify(host: "gate.example.com", port: 22, keyType: bracketed.type, key: bracketed.blob) == .mismatch)
        #expect(hosts.verify(host: "gate.example.com", port: 2222, keyType: bracketed.type, key: bracketed.blob) == .match)
        #expect(hosts.verify(host: "gate.example.com", port: 2222, keyType: bare.type, key: bare.blob) == .mismatch)
        #expect(hosts.verify(host: "gate.example.com", port: 2200, keyType: bare.type, key: bare.blob) == .unknown)
        #expect(hosts.verify(host: "GATE.Example.com", port: 2222, keyType: bracketed.type, key: bracketed.blob) == .match)
    }

    /// A bracketed port-22 line is never consulted, since OpenSSH looks port 22 up by the bare name.
    @Test func bracketedPort22IsNotTheBareName() throws {
        let keys = try KeyFixture()
        let key = try keys.generate("key")
        let hosts = KnownHosts(contents: "[gate.example.com]:22 \(key.line)\n")
        #expect(hosts.verify(host: "gate.example.com", port: 22, keyType: key.type, key: key.blob) == .unknown)
    }

    /// Wildcards match across the name; a matching negated pattern vetoes the line.
    @Test func wildcardAndNegatedPatterns() throws {
        let keys = try KeyFixture()
        let key = try keys.generate("key")
        let hosts = KnownHosts(contents: "*.Example.com,!bad.example.com,node?,[10.0.0.*]:22?? \(key.line)\n")
        func verdict(_ host: String, _ port: UInt16 = 22) -> HostKeyVerdict {
            hosts.verify(host: host, port: port, keyType: key.type, key: key.blob)
        }
        #expect(verdict("a.example.com") == .match)
        #expect(verdict("a.b.example.com") == .match)
        #expect(verdict("node7") == .match)
        #expect(verdict("10.0.0.5", 2222) == .match)
        #expect(verdict("bad.example.com") == .unknown)
        #expect(verdict("BAD.example.com") == .unknown)
        #expect(verdict("example.com") == .unknown)
        #expect(verdict("node") == .unknown)
        #expect(verdict("node77") == .unknown)
        #expect(verdict("10.0.0.5", 22) == .unknown)
        #expect(verdict("10.0.0.5", 222) == .unknown)
    }

    /// A line with only a negated pattern applies to nothing, not to everything else.
    @Test func negationAloneMatchesNothing() throws {
        let keys = try KeyFixture()
        let key = try keys.generate("key")
        let hosts = KnownHosts(contents: "!bad.example.com \(key.line)\n")
        #expect(hosts.verify(host: "good.example.com", port: 22, keyType: key.type, key: key.blob) == .unknown)
    }

    /// Same type with another key is a mismatch; another type only is unknown; any line with the key matches.
    @Test func matchMismatchAndUnknown() throws {
        let keys = try KeyFixture()
        let old = try keys.generate("old")
        let new = try keys.generate("new")
        let ecdsa = try keys.generate("ecdsa", type: "ecdsa")
        let hosts = KnownHosts(contents: "gate \(old.line)\ngate \(new.line)\nother \(ecdsa.line)\n")
        #expect(hosts.verify(host: "gate", port: 22, keyType: new.type, key: new.blob) == .match)
        #expect(hosts.verify(host: "gate", port: 22, keyType: old.type, key: old.blob) == .match)
        #expect(hosts.verify(host: "other", port: 22, keyType: new.type, key: new.blob) == .unknown)
        #expect(hosts.verify(host: "other", port: 22, keyType: ecdsa.type, key: ecdsa.blob) == .match)
        #expect(hosts.verify(host: "gate", port: 22, keyType: ecdsa.type, key: ecdsa.blob) == .unknown)
        #expect(hosts.verify(host: "nowhere", port: 22, keyType: new.type, key: new.blob) == .unknown)

        let single = KnownHosts(contents: "gate \(old.line)\n")
        #expect(single.verify(host: "gate", port: 22, keyType: new.type, key: new.blob) == .mismatch)
    }

    /// `@revoked` beats a plain line with the same key, for the hosts the revoked line names.
    @Test func revokedTakesPrecedence() throws {
        let keys = try KeyFixture()
        let key = try keys.generate("key")
        let other = try keys.generate("other")
        let hosts = KnownHosts(contents: """
            gate,spare \(key.line)
            @revoked gate \(key.line)
            @revoked * \(other.line)
            """)
        #expect(hosts.skippedLines.isEmpty)
        #expect(hosts.verify(host: "gate", port: 22, keyType: key.type, key: key.blob) == .revoked)
        #expect(hosts.verify(host: "spare", port: 22, keyType: key.type, key: key.blob) == .match)
        #expect(hosts.verify(host: "anything", port: 2222, keyType: other.type, key: other.blob) == .revoked)
        #expect(hosts.verify(host: "spare", port: 22, keyType: other.type, key: other.blob) == .revoked)
        #expect(hosts.keyTypes(host: "anything", port: 22).isEmpty)
    }

    /// `@cert-authority` lines neither match nor count as known types, and are not reported as skipped.
    @Test func certAuthorityLinesAreIgnored() throws {
        let keys = try KeyFixture()
        let ca = try keys.generate("ca")
        let hosts = KnownHosts(contents: "@cert-authority *.example.com \(ca.line)\n")
        #expect(hosts.skippedLines.isEmpty)
        #expect(hosts.verify(host: "a.example.com", port: 22, keyType: ca.type, key: ca.blob) == .unknown)
        #expect(hosts.keyTypes(host: "a.example.com", port: 22).isEmpty)
    }

    // MARK: Parsing

    /// Comments and blank lines are silent; malformed lines are listed by their 1-based numbers.
    @Test func malformedLinesAreSkippedByNumber() throws {
        let keys = try KeyFixture()
        let key = try keys.generate("key")
        let blob = key.line.split(separator: " ")[1]
        let hosts = KnownHosts(contents: [
            "# a comment",  // 1
            "",  // 2
            "   \t",  // 3
            "gate ssh-ed25519",  // 4: too few fields
            "gate ssh-ed25519 not*base64!",  // 5: bad base64
            "gate \(key.line) trailing comment words",  // 6: fine
            "  # indented comment",  // 7
            "gate ssh-rsa \(blob)",  // 8: blob is ed25519, field says rsa
            "@revoked gate",  // 9: marker with too few fields
            "@bogus gate \(key.line)",  // 10: unknown marker
            "|1|c2FsdA==|aGhoaGhoaGhoaGhoaGhoaGhoaGg= \(key.line)",  // 11: salt not 20 bytes
            "|2|\(String(repeating: "A", count: 28))|\(String(repeating: "A", count: 28)) \(key.line)",  // 12: unknown hash type
            "other\t\(key.type)\t\(blob)\r",  // 13: tabs and CRLF are fine
        ].joined(separator: "\n"))
        #expect(hosts.skippedLines == [4, 5, 8, 9, 10, 11, 12])
        #expect(hosts.verify(host: "gate", port: 22, keyType: key.type, key: key.blob) == .match)
        #expect(hosts.verify(host: "other", port: 22, keyType: key.type, key: key.blob) == .match)
    }

    /// Types come out in file order, once each, only from lines that apply to the host.
    @Test func keyTypesInFileOrderWithoutDuplicates() throws {
        let keys = try KeyFixture()
        let ecdsa = try keys.generate("ecdsa", type: "ecdsa")
        let first = try keys.generate("first")
        let second = try keys.generate("second")
        let rsa = try keys.generate("rsa", type: "rsa")
        let hosts = KnownHosts(contents: """
            gate \(ecdsa.line)
            unrelated \(rsa.line)
            g* \(first.line)
            gate \(ecdsa.line)
            [gate]:2222 \(rsa.line)
            gate \(second.line)
            """)
        #expect(hosts.keyTypes(host: "gate", port: 22) == ["ecdsa-sha2-nistp256", "ssh-ed25519"])
        #expect(hosts.keyTypes(host: "gate", port: 2222) == ["ssh-rsa"])
        #expect(hosts.keyTypes(host: "unrelated", port: 22) == ["ssh-rsa"])
    }

    // MARK: Loading

    /// A missing file and a directory both fail with the path and the OS reason.
    @Test func unreadablePathNamesPathAndReason() throws {
        let keys = try KeyFixture()
        let missing = keys.directory + "/absent/known_hosts"
        let error = #expect(throws: KnownHostsError.self) { try KnownHosts.load(path: missing) }
        #expect(error?.path == missing)
        #expect(error?.reason == "No such file or directory")
        #expect(error?.description.contains(missing) == true)

        let directoryError = #expect(throws: KnownHostsError.self) { try KnownHosts.load(path: keys.directory) }
        #expect(directoryError?.path == keys.directory)
        #expect(directoryError?.reason == "Is a directory")
    }

    /// An empty file loads as an empty known_hosts.
    @Test func emptyFileLoads() throws {
        let keys = try KeyFixture()
        let path = keys.directory + "/empty"
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let hosts = try KnownHosts.load(path: path)
        #expect(hosts.skippedLines.isEmpty)
        #expect(hosts.keyTypes(host: "gate", port: 22).isEmpty)
    }
}

/// One HMAC-SHA1 test case from RFC 2202 section 3.
struct RFC2202Vector: Sendable, CustomTestStringConvertible {
    /// The RFC's test case number.
    let number: Int
    /// The HMAC key.
    let key: [UInt8]
    /// The data authenticated.
    let message: [UInt8]
    /// The expected digest, lowercase hex.
    let digest: String

    /// "RFC 2202 case N", instead of the bytes.
    var testDescription: String { "RFC 2202 case \(number)" }
}

/// A temporary directory in which `ssh-keygen` makes real keys; removed when the fixture goes away.
private final class KeyFixture {
    /// A generated public key.
    struct PublicKey {
        /// The key type field, e.g. `ssh-ed25519`.
        let type: String
        /// `type base64` as it appears after the host field of a known_hosts line.
        let line: String
        /// The base64-decoded key blob.
        let blob: [UInt8]
    }

    private let temporary: TemporaryDirectory

    /// The temporary directory's path.
    var directory: String { temporary.path }

    /// Creates the temporary directory.
    init() throws { temporary = try TemporaryDirectory("knownhosts") }

    /// Generates a key pair named `name` with `ssh-keygen -t type -N ''` and reads its public half.
    func generate(_ name: String, type: String = "ed25519") throws -> PublicKey {
        let path = directory + "/" + name
        try run(["-q", "-t", type, "-N", "", "-C", "\(name)@test", "-f", path])
        let fields = try String(contentsOfFile: path + ".pub", encoding: .utf8).split(separator: " ")
        let blob = try #require(Data(base64Encoded: String(fields[1])))
        return PublicKey(type: String(fields[0]), line: "\(fields[0]) \(fields[1])", blob: [UInt8](blob))
    }

    /// Runs `ssh-keygen` with `arguments`, requiring a zero exit status.
    func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "ssh-keygen \(arguments.joined(separator: " ")) failed")
    }
}
