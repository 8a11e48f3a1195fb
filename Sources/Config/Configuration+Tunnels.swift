import Foundation
import Glibc
public import Policy
import TOML
public import TunnelManager

extension Configuration {
    /// The tunnels as the TunnelManager takes them: addresses judged by `policy` (the caller has
    /// already refused to run on violations), paths resolved from `environment`.
    public func tunnelSpecs(policy: ExposurePolicy, environment: [String: String]) throws(ConfigurationError) -> [TunnelSpec] {
        var specs: [TunnelSpec] = []
        for tunnel in tunnels {
            var forwards: [TunnelSpec.Forward] = []
            for forward in tunnel.forwards {
                forwards.append(TunnelSpec.Forward(
                    listen: try Self.allowed(forward.listen, policy: policy, source: source),
                    target: try forward.target.map { target throws(ConfigurationError) in try Self.allowed(target, policy: policy, source: source) }))
            }
            specs.append(TunnelSpec(
                name: tunnel.name,
                mode: TunnelSpec.Mode(rawValue: tunnel.mode.rawValue)!,
                server: tunnel.server.map { TunnelSpec.Server(user: $0.user, host: $0.host, port: $0.port) },
                identityFile: try tunnel.identityFile?.resolve(environment),
                knownHostsFile: try tunnel.knownHosts?.resolve(environment),
                hostKeyAlias: tunnel.hostKeyAlias,
                proxyCommand: tunnel.proxyCommand,
                keepalive: tunnel.keepalive,
                owner: try tunnel.user.map { user throws(ConfigurationError) in try Self.localUser(user, source: source) },
                forwards: forwards))
        }
        return specs
    }

    /// The uid of local user `user`, from the user database.
    static func localUser(_ user: Located<String>, source: String) throws(ConfigurationError) -> TunnelSpec.Owner {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getpwnam_r(user.value, &entry, &buffer, buffer.count, &found) == 0, found != nil else {
            throw ConfigurationError(
                .invalid, "\(source):\(user.line): user = \"\(user.value)\": no such user on this host; name the user sshd runs the tunnel's session as")
        }
        // In a user namespace (systemd's PrivateUsers=) an unmapped uid shows as the overflow
        // uid in /proc/net/tcp, like every other unmapped user's: a squatter would look the same.
        guard Self.isMapped(uid: entry.pw_uid) else {
            throw ConfigurationError(
                .invalid,
                "\(source):\(user.line): user = \"\(user.value)\": uid \(entry.pw_uid) is not mapped in this process's user namespace, so its listeners cannot be told from anyone else's; run without PrivateUsers=")
        }
        return TunnelSpec.Owner(name: user.value, uid: entry.pw_uid)
    }

    /// Whether `uid` is mapped in this process's user namespace (`/proc/self/uid_map`: lines of
    /// `inside outside count`); true when the map cannot be read (no user namespaces).
    static func isMapped(uid: UInt32, map path: String = "/proc/self/uid_map") -> Bool {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return true }
        return text.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).compactMap { UInt64($0) }
            return fields.count == 3 && UInt64(uid) >= fields[0] && UInt64(uid) < fields[0] + fields[2]
        }
    }

    /// The control endpoint's address, as judged by `policy`.
    public func controlAddress(policy: ExposurePolicy) throws(ConfigurationError) -> BindAddress {
        try Self.allowed(supervisor.control, policy: policy, source: source)
    }

    static func allowed(_ value: Located<String>, policy: ExposurePolicy, source: String) throws(ConfigurationError) -> BindAddress {
        switch policy.check(bind: value.value) {
        case .allowed(let address), .excepted(let address, _):
            return address
        case .refused(let refusal):
            throw ConfigurationError(.invalid, "\(source):\(value.line): \(value.value): \(refusal.message)")
        }
    }
}
