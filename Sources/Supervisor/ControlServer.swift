import Foundation
import Gateway
public import Hummingbird
public import Logging
import NIOCore
public import Policy

/// The loopback control endpoint (`[supervisor] control`): `GET /v1/status` for `bridgekeeper status`.
/// A browser on the host is kept out as from the gateway (``BrowserGuard``: a foreign `Host` is
/// 421), so a DNS-rebinding page cannot read the status.
public enum ControlServer {
    /// An application serving `report()` on the policy-approved `address`; `onListening` hears the
    /// bound port once the endpoint accepts connections.
    public static func application(
        address: Policy.BindAddress, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in },
        report: @escaping @Sendable () -> StatusReport
    ) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: BrowserGuard(rules: .init(listenHost: address.address.description)))
        router.get("/v1/status") { _, _ -> Response in
            let data = try StatusReport.encoder.encode(report())
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        // Any local user can connect: a small cap, and nothing held open for long.
        let limits = GuardedServer.Limits(requestTimeout: .seconds(10), idleTimeout: .seconds(30), maxConnections: 64, maxHeaderBytes: 8 << 10)
        return Application(
            router: router,
            server: GuardedServer.http1(limits),
            configuration: .init(address: .hostname(address.address.description, port: Int(address.port)), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}
