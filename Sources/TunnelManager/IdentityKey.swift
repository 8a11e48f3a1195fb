import Foundation
import Glibc

/// What an identity file holds, found without ever printing its contents: libssh2 1.10 signs with
/// ed25519 and ecdsa keys, but only with `ssh-rsa` (SHA-1) for RSA, which OpenSSH ≥ 8.8 refuses.
enum IdentityKey {
    /// Checks that `path` holds an unencrypted ed25519 or ecdsa private key; throws `auth_failed`
    /// with a sentence saying what is wrong and what to do otherwise.
    static func check(path: String) throws(TunnelFailure) -> String {
        // As OpenSSH (sshkey_perm_ok): a key of ours that others may read is not used.
        var info = stat()
        if stat(path, &info) == 0, info.st_uid == geteuid(), info.st_mode & 0o077 != 0 {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw TunnelFailure(
                .authFailed,
                "identity_file \(path) is accessible by others (mode 0\(mode)); a private key must be readable by its owner only: chmod 600 \(path)")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TunnelFailure(.authFailed, "cannot read identity_file \(path) (\(Self.reason(path)))")
        }
        if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
            return try openSSHKeyType(text, path: path)
        }
        if text.contains("-----BEGIN EC PRIVATE KEY-----") {
            if text.contains("ENCRYPTED") { throw encrypted(path) }
            return "ecdsa"
        }
        if text.contains("-----BEGIN RSA PRIVATE KEY-----") { throw rsa(path) }
        throw TunnelFailure(
            .authFailed,
            "identity_file \(path) is not an OpenSSH private key; create one with ssh-keygen -t ed25519")
    }

    private static func openSSHKeyType(_ text: String, path: String) throws(TunnelFailure) -> String {
        let body = text.split(separator: "\n")
            .filter { !$0.hasPrefix("-----") }
            .joined()
        guard let data = Data(base64Encoded: body) else {
            throw TunnelFailure(.authFailed, "identity_file \(path) is damaged (its base64 does not decode)")
        }
        var reader = SSHWireReader(Array(data))
        let magic = Array("openssh-key-v1".utf8) + [0]
        guard reader.take(magic.count) == magic,
            let cipher = reader.string(), reader.string() != nil, reader.bytes() != nil,
            let count = reader.uint32(), count >= 1,
            let publicKey = reader.bytes()
        else {
            throw TunnelFailure(.authFailed, "identity_file \(path) is damaged (not a valid openssh-key-v1 file)")
        }
        var keyReader = SSHWireReader(publicKey)
        let type = keyReader.string() ?? "unknown"
        if cipher != "none" { throw encrypted(path) }
        switch type {
        case "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
            return type
        case "ssh-rsa":
            throw rsa(path)
        default:
            throw TunnelFailure(
                .authFailed, "identity_file \(path) is a \(type) key, which libssh2 cannot use; create one with ssh-keygen -t ed25519")
        }
    }

    private static func rsa(_ path: String) -> TunnelFailure {
        TunnelFailure(
            .authFailed,
            "identity_file \(path) is an RSA key: libssh2 1.10 signs RSA only with ssh-rsa (SHA-1), which OpenSSH 8.8 and later refuse; create an ed25519 key with ssh-keygen -t ed25519")
    }

    private static func encrypted(_ path: String) -> TunnelFailure {
        TunnelFailure(
            .authFailed,
            "identity_file \(path) is passphrase-protected; a daemon cannot type a passphrase: use an unencrypted key readable only by bridgekeeper (systemd LoadCredential=)")
    }

    private static func reason(_ path: String) -> String {
        access(path, F_OK) != 0 ? "no such file" : "permission denied"
    }
}
