import Foundation
import Testing
import TestSupport
@testable import TunnelManager

/// `ProxyCommand.expand` and `IdentityKey.check` (on real keys from ssh-keygen).
@Suite("ProxyCommand expansion and identity keys")
struct ProxyCommandTests {
    // MARK: expand

    @Test("%h, %p, %r and %% expand as in OpenSSH; a host or user with anything but plain name characters is shell-quoted")
    func expandsEscapes() throws {
        let expanded = try ProxyCommand.expand(
            "cloudflared access ssh --hostname %h --port %p --user %r --literal 100%% %%h", host: "gw.example.org",
            port: 2222, user: "tunnel")
        #expect(expanded == "cloudflared access ssh --hostname gw.example.org --port 2222 --user tunnel --literal 100% %h")
        #expect(try ProxyCommand.expand("ssh -W %h:%p jump", host: "127.0.0.1", port: 22, user: "u") == "ssh -W 127.0.0.1:22 jump")
        #expect(try ProxyCommand.expand("ssh -W [%h]:%p jump", host: "::1", port: 22, user: "u") == "ssh -W [::1]:22 jump")
        #expect(try ProxyCommand.expand(#"nc "%h" %p"#, host: "gw.example.org", port: 22, user: "u") == #"nc "gw.example.org" 22"#)
        #expect(try ProxyCommand.expand("no escapes here", host: "h", port: 1, user: "u") == "no escapes here")
        #expect(try ProxyCommand.expand("%r@%h%p", host: "h", port: 65535, user: "ü") == "'ü'@h65535")
    }

    @Test("a host or user that is shell syntax stays one literal word (OpenSSH CVE-2023-51385)", arguments: [
        "$(touch${IFS}/tmp/x)", "`id`", "a;b", "it's", "a b", "$HOME", "x'$(id)'y",
    ])
    func expansionsAreNeverShellSyntax(hostile: String) throws {
        let command = try ProxyCommand.expand("printf %%s%%s %h %r", host: hostile, port: 22, user: hostile)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", command]
        let output = Pipe()
        shell.standardOutput = output
        try shell.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        #expect(printed == hostile + hostile)
    }

    @Test("an unknown escape throws proxy_failed naming it", arguments: ["nc %x %p", "%d", "ssh %H", "trailing %"])
    func unknownEscape(template: String) {
        do {
            let result = try ProxyCommand.expand(template, host: "h", port: 22, user: "u")
            Issue.record("expected proxy_failed, got \(result)")
        } catch {
            #expect(error.failure == .proxyFailed)
            let escape = template.hasSuffix("%") ? "'%'" : "'%" + String(template[template.index(after: template.firstIndex(of: "%")!)]) + "'"
            #expect(error.reason.contains(escape), "reason: \(error.reason)")
            #expect(error.reason.contains("%h"), "the reason should list the valid escapes: \(error.reason)")
        }
    }

    // MARK: the running command

    @Test("a ProxyCommand that ends reports how, with its last stderr line, every time it is asked")
    func endedCommandIsReported() throws {
        var pair: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0)
        defer { close(pair[0]) }
        let proxy = try ProxyCommand(
            command: "sh -c 'echo starting >&2; echo \"cloudflared: not logged in\" >&2; exit 3'", childEnd: pair[1],
            logger: TunnelFixture.logger)
        close(pair[1])
        var status: String?
        // Only a command not seen to end is still there to stop.
        defer { if status == nil { proxy.terminate(grace: .milliseconds(100)) } }

        // Our end of the socketpair reads EOF once the command is gone.
        var descriptor = pollfd(fd: pair[0], events: Int16(POLLIN), revents: 0)
        #expect(poll(&descriptor, 1, 5000) == 1)
        var byte: UInt8 = 0
        #expect(read(pair[0], &byte, 1) == 0)

        status = try Wait.value("the proxy's exit status", timeout: .seconds(5), interval: .milliseconds(10)) { proxy.exitStatus() }
        #expect(status == "exited with status 3")
        // Asking again (status, the transport's failure check, the failure's reason all ask) gives the same answer.
        #expect(proxy.exitStatus() == status, "the exit status is lost after the first time it is read")

        try Wait.until("the proxy's last stderr line", timeout: .seconds(2), interval: .milliseconds(10), lastSeen: { proxy.lastErrorLine ?? "none" }) {
            proxy.lastErrorLine == "cloudflared: not logged in"
        }
    }

    // MARK: IdentityKey

    /// The base64 lines of a key file (the secret material), to make sure errors never print them.
    static func bodyLines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("-----") && !$0.contains(":") && $0.count >= 16 }
    }

    /// Expects `check` to refuse with auth_failed; returns the reason.
    @discardableResult
    static func expectRefused(_ path: String, mentioning words: [String], sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do {
            let type = try IdentityKey.check(path: path)
            Issue.record("\(path) was accepted as \(type)", sourceLocation: sourceLocation)
            return ""
        } catch {
            #expect(error.failure == .authFailed, sourceLocation: sourceLocation)
            for word in words {
                #expect(error.reason.contains(word), "reason lacks \(word): \(error.reason)", sourceLocation: sourceLocation)
            }
            let body = bodyLines(path)
            for line in body {
                #expect(!error.reason.contains(line), "the reason prints key material: \(error.reason)", sourceLocation: sourceLocation)
            }
            // Not even a fragment of the body.
            if let first = body.first {
                #expect(!error.reason.contains(first.prefix(12)), "the reason prints key material: \(error.reason)", sourceLocation: sourceLocation)
            }
            #expect(!error.description.contains("AAAA"), "the error prints key material: \(error.description)", sourceLocation: sourceLocation)
            return error.reason
        }
    }

    @Test("unencrypted ed25519 and ecdsa keys are accepted, in OpenSSH and PEM form")
    func acceptsEd25519AndECDSA() throws {
        let keys = try TemporaryDirectory("identitykeys")
        #expect(try IdentityKey.check(path: keys.makeKey("ed25519", ["-t", "ed25519"])) == "ssh-ed25519")
        #expect(try IdentityKey.check(path: keys.makeKey("ecdsa256", ["-t", "ecdsa", "-b", "256"])) == "ecdsa-sha2-nistp256")
        #expect(try IdentityKey.check(path: keys.makeKey("ecdsa384", ["-t", "ecdsa", "-b", "384"])) == "ecdsa-sha2-nistp384")
        #expect(try IdentityKey.check(path: keys.makeKey("ecdsa521", ["-t", "ecdsa", "-b", "521"])) == "ecdsa-sha2-nistp521")
        #expect(try IdentityKey.check(path: keys.makeKey("ecdsa-pem", ["-t", "ecdsa", "-b", "256", "-m", "PEM"])) == "ecdsa")
    }

    @Test("RSA keys are refused, saying RSA and what to create instead")
    func refusesRSA() throws {
        let keys = try TemporaryDirectory("identitykeys")
        for (name, arguments) in [("rsa", ["-t", "rsa", "-b", "2048"]), ("rsa-pem", ["-t", "rsa", "-b", "2048", "-m", "PEM"])] {
            let path = try keys.makeKey(name, arguments)
            Self.expectRefused(path, mentioning: ["RSA", "ed25519", path])
        }
    }

    @Test("passphrase-protected keys are refused, saying so")
    func refusesPassphrase() throws {
        let keys = try TemporaryDirectory("identitykeys")
        let ed25519 = try keys.makeKey("ed25519-locked", ["-t", "ed25519"], passphrase: "correct horse battery")
        Self.expectRefused(ed25519, mentioning: ["passphrase", ed25519])
        let pem = try keys.makeKey("ecdsa-pem-locked", ["-t", "ecdsa", "-b", "256", "-m", "PEM"], passphrase: "correct horse battery")
        Self.expectRefused(pem, mentioning: ["passphrase"])
    }

    @Test("a key others may read or write is refused as OpenSSH refuses it, naming the mode", arguments: [0o644, 0o640, 0o604, 0o620])
    func refusesAnOpenKey(mode: Int) throws {
        let keys = try TemporaryDirectory("identitykeys")
        let key = try keys.makeKey("ed25519", ["-t", "ed25519"])
        chmod(key, mode_t(mode))
        Self.expectRefused(key, mentioning: [key, "0" + String(mode, radix: 8), "chmod 600"])
        chmod(key, 0o400)
        #expect(throws: Never.self) { try IdentityKey.check(path: key) }
    }

    @Test("a missing file is refused naming the path")
    func refusesMissingFile() throws {
        let keys = try TemporaryDirectory("identitykeys")
        let path = "\(keys.path)/no-such-key"
        Self.expectRefused(path, mentioning: [path, "no such file"])
    }

    @Test("garbage and damaged files are refused without echoing their contents")
    func refusesGarbage() throws {
        let keys = try TemporaryDirectory("identitykeys")
        let garbage = try keys.writeKey("garbage", "this is not a key at all\nQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n")
        Self.expectRefused(garbage, mentioning: [garbage, "ssh-keygen -t ed25519"])

        let good = try String(contentsOfFile: keys.makeKey("ed25519", ["-t", "ed25519"]), encoding: .utf8)
        let lines = good.split(separator: "\n")
        // The generated key's armour around valid base64 that is not an openssh-key-v1 blob.
        let wrongMagic = try keys.writeKey(
            "wrong-magic",
            [String(lines[0]), Data("not-an-openssh-key-v1-blob-at-all-really".utf8).base64EncodedString(), String(lines[lines.count - 1])]
                .joined(separator: "\n") + "\n")
        Self.expectRefused(wrongMagic, mentioning: ["damaged"])
        // A real key with its base64 broken.
        let brokenBody = lines.map { $0.hasPrefix("-----") ? String($0) : $0.replacingOccurrences(of: "A", with: "*") }
        let broken = try keys.writeKey("broken-base64", brokenBody.joined(separator: "\n") + "\n")
        Self.expectRefused(broken, mentioning: ["damaged"])
        // A real key cut short.
        let truncated = try keys.writeKey(
            "truncated", [String(lines[0]), String(lines[1].prefix(68)), String(lines[lines.count - 1])].joined(separator: "\n") + "\n")
        Self.expectRefused(truncated, mentioning: ["damaged"])
    }
}

/// Keys made with the real ssh-keygen.
extension TemporaryDirectory {
    /// Runs ssh-keygen (spawned directly, as the fixtures do) and returns the private key path.
    fileprivate func makeKey(_ name: String, _ arguments: [String], passphrase: String = "") throws -> String {
        let key = file(name)
        let log = file(name + ".log")
        let pid = try TestSSHD.launch(
            "/usr/bin/ssh-keygen", ["-q", "-N", passphrase, "-C", "test-\(name)", "-f", key] + arguments, output: log)
        let status = TestSSHD.waitForExit(pid, timeout: .seconds(30))
        guard status == 0 else {
            throw TestSSHD.Failure("ssh-keygen \(arguments) failed (\(status.map(String.init) ?? "timeout")): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }
        return key
    }

    /// A file of the owner's only, as key files are.
    fileprivate func writeKey(_ name: String, _ text: String) throws -> String { try write(name, text, mode: 0o600) }
}
