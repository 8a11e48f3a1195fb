import Foundation
public import Policy

/// What the TunnelManager needs to hold or watch one tunnel; the Supervisor builds it from config
/// after the exposure policy has judged every address.
public struct TunnelSpec: Sendable, Equatable {
    /// How a tunnel is held.
    public enum Mode: String, Sendable {
        /// `ssh -R`: listeners on the server, targets here.
        case reverse
        /// `ssh -L`: listeners here, targets reached from the server.
        case local
        /// A peer's reverse tunnel into this host: its listeners are watched, not held.
        case inbound
    }

    /// An SSH server to log in to.
    public struct Server: Sendable, Equatable {
        public var user: String
        public var host: String
        public var port: UInt16

        public init(user: String, host: String, port: UInt16) {
            self.user = user
            self.host = host
            self.port = port
        }
    }

    /// Inbound: the local user whose sshd holds the tunnel's listeners.
    public struct Owner: Sendable, Equatable {
        /// The login name.
        public var name: String
        /// Its uid, as `/proc/net/tcp` shows a listener's owner.
        public var uid: UInt32

        public init(name: String, uid: UInt32) {
            self.name = name
            self.uid = uid
        }
    }

    /// One forward: a listener and where its connections go.
    public struct Forward: Sendable, Equatable {
        /// A policy-approved loopback listen address.
        public var listen: BindAddress
        /// A policy-approved loopback target; nil for inbound tunnels.
        public var target: BindAddress?

        public init(listen: BindAddress, target: BindAddress?) {
            self.listen = listen
            self.target = target
        }
    }

    public var name: String
    public var mode: Mode
    /// The server (reverse and local).
    public var server: Server?
    /// A private key file (reverse and local).
    public var identityFile: String?
    /// The known_hosts file (reverse and local).
    public var knownHostsFile: String?
    /// The name to look the host key up under instead of the server's host.
    public var hostKeyAlias: String?
    /// A ProxyCommand, with `%h`, `%p`, `%r` and `%%` expanded.
    public var proxyCommand: String?
    /// The keepalive interval.
    public var keepalive: Duration

    /// How long a dead session of a tunnel in `mode` with `keepalive` takes to be found: three
    /// keepalives without a byte (at the interval libssh2 really sends them), or for an inbound
    /// tunnel three unanswered heartbeats.
    public static func detectionTime(mode: Mode, keepalive: Duration) -> Duration {
        mode == .inbound ? keepalive * 3 : Liveness(keepalive: Liveness.effectiveKeepalive(keepalive), now: .now).deadline
    }
    /// Inbound: whose listeners count; a listener on a forward's port owned by anyone else makes
    /// the tunnel `hijacked`.
    public var owner: Owner?
    /// The forwards.
    public var forwards: [Forward]

    public init(
        name: String, mode: Mode, server: Server? = nil, identityFile: String? = nil, knownHostsFile: String? = nil,
        hostKeyAlias: String? = nil, proxyCommand: String? = nil, keepalive: Duration = .seconds(5), owner: Owner? = nil,
        forwards: [Forward]
    ) {
        self.name = name
        self.mode = mode
        self.server = server
        self.identityFile = identityFile
        self.knownHostsFile = knownHostsFile
        self.hostKeyAlias = hostKeyAlias
        self.proxyCommand = proxyCommand
        self.keepalive = keepalive
        self.owner = owner
        self.forwards = forwards
    }

    /// The status of this tunnel before anything happened.
    func initialStatus(now: Date) -> TunnelStatus {
        TunnelStatus(
            name: name, mode: mode.rawValue,
            forwards: forwards.map { ForwardStatus(listen: $0.listen.description, target: $0.target?.description) },
            now: now)
    }
}
