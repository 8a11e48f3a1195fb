import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import TestSupport
import Testing

@testable import Gateway

/// The gateway's own HTTP/1.1 client against real loopback bridges: connections kept and reused,
/// a kept connection the bridge drops, hostile answers, cancelling, TLS that verifies.
@Suite("BridgeClient")
struct BridgeClientTests {
    struct Stop: Error {}

    /// A client on a loop of its own, so that every call shares one pool. Parked connections are
    /// kept long enough that a busy machine cannot make them time out between two calls.
    static func withClient(
        readTimeout: TimeAmount = .seconds(5), idleCloseWindow: TimeAmount = .milliseconds(250), _ body: (BridgeClient) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var configuration = BridgeClient.Configuration(connectTimeout: .seconds(5), readTimeout: readTimeout)
        configuration.idleTimeout = .minutes(5)
        configuration.idleCloseWindow = idleCloseWindow
        let client = BridgeClient(configuration: configuration, group: group)
        do {
            try await body(client)
        } catch {
            await client.shutdown()
            try await group.shutdownGracefully()
            throw error
        }
        await client.shutdown()
        try await group.shutdownGracefully()
    }

    static func post(_ client: BridgeClient, _ url: String, limit: Int = 1 << 20) async throws -> (Int, String) {
        let call = try client.start(.init(baseURL: url, path: "/v1/chat/completions", headers: ["Content-Type": "application/json"], body: ByteBuffer(string: "{}")))
        let response = try await call.response()
        let body = try await response.body.collect(upTo: limit)
        return (Int(response.status.code), String(buffer: body))
    }

    static func code(_ error: any Error) -> BridgeClientError.Code? { (error as? BridgeClientError)?.code }

    @Test("twenty calls in a row travel on one kept-alive connection")
    func reuse() async throws {
        let bridge = try ScriptedBridge { _, request in .respond(#"{"n":\#(request)}"#) }
        try await Self.withClient { client in
            for n in 1...20 {
                let (status, body) = try await Self.post(client, bridge.url)
                #expect(status == 200 && body == #"{"n":\#(n)}"#)
            }
        }
        #expect(bridge.connections == 1)
        #expect(bridge.requests == 20)
    }

    @Test("a kept connection the bridge closes as the call goes out: the call goes again on a new one, once; not when the bridge had it a while, nor on a new connection")
    func droppedKeptConnection() async throws {
        // Connection 1 answers once and closes at its second request, as a bridge closing an idle
        // connection just as the call goes out (uvicorn keeps them 5 s).
        let bridge = try ScriptedBridge { connection, request in
            connection == 1 && request == 2 ? .close : .respond(#"{"connection":\#(connection)}"#)
        }
        // However slow the machine, the close comes within this window of the request.
        try await Self.withClient(idleCloseWindow: .seconds(30)) { client in
            let first = try await Self.post(client, bridge.url)
            let second = try await Self.post(client, bridge.url)
            #expect(first.1 == #"{"connection":1}"# && second.1 == #"{"connection":2}"#)
        }
        #expect(bridge.connections == 2 && bridge.requests == 3)

        // The bridge read the request and died while it worked on it: that completion may have
        // run, so it is not sent again.
        let dying = try ScriptedBridge { connection, request in
            connection == 1 && request == 2 ? .closeAfter(.milliseconds(600)) : .respond("{}")
        }
        try await Self.withClient { client in
            _ = try await Self.post(client, dying.url)
            await #expect { try await Self.post(client, dying.url) } throws: { Self.code($0) == .closed }
        }
        #expect(dying.requests == 2)

        let closing = try ScriptedBridge { _, _ in .close }
        try await Self.withClient { client in
            await #expect { try await Self.post(client, closing.url) } throws: { Self.code($0) == .closed }
        }
        #expect(closing.requests == 1)
    }

    @Test("hostile answers end the call with a clear error and leave no connection to reuse")
    func hostile() async throws {
        let huge = "HTTP/1.1 200 OK\r\nX-Junk: " + String(repeating: "a", count: 200_000) + "\r\nContent-Length: 2\r\n\r\n{}"
        for (answer, expected) in [
            (ScriptedBridge.Answer.rawThenClose("NOT HTTP AT ALL\r\n\r\n"), BridgeClientError.Code.protocolError),
            (.raw(huge), .protocolError),
            (.rawThenClose("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"cut"), .closed),
        ] {
            let bridge = try ScriptedBridge { connection, _ in connection == 1 ? answer : .respond("{}") }
            try await Self.withClient { client in
                await #expect { try await Self.post(client, bridge.url) } throws: { Self.code($0) == expected }
                // The next call works, on a new connection.
                let next = try await Self.post(client, bridge.url)
                #expect(next.0 == 200 && next.1 == "{}")
            }
            #expect(bridge.connections == 2)
        }
    }

    @Test("a second answer nobody asked for closes the connection; the next call gets a new one")
    func unsolicitedAnswer() async throws {
        let two = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" + "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"x\":1}"
        let bridge = try ScriptedBridge { connection, _ in connection == 1 ? .raw(two) : .respond(#"{"fresh":true}"#) }
        try await Self.withClient { client in
            let first = try await Self.post(client, bridge.url)
            #expect(first.0 == 200 && first.1 == "{}")
            try Wait.until("the first connection closed", timeout: .seconds(5)) { bridge.closedConnections == 1 }
            let second = try await Self.post(client, bridge.url)
            #expect(second.0 == 200 && second.1 == #"{"fresh":true}"#)
        }
        #expect(bridge.connections == 2)
    }

    @Test("silence past the read timeout, and a body past the caller's limit, are errors of their own")
    func timeoutsAndLimits() async throws {
        let silent = try ScriptedBridge { _, _ in .silent }
        try await Self.withClient(readTimeout: .milliseconds(300)) { client in
            await #expect { try await Self.post(client, silent.url) } throws: { Self.code($0) == .readTimeout }
        }
        let big = try ScriptedBridge { _, _ in .respond("[" + String(repeating: "0,", count: 100_000) + "0]") }
        try await Self.withClient { client in
            await #expect { try await Self.post(client, big.url, limit: 64 << 10) } throws: { Self.code($0) == .tooLarge }
        }
    }

    @Test("a call cancelled while it waits ends at once with the reason, and its connection is closed")
    func cancel() async throws {
        let bridge = try ScriptedBridge { _, _ in .silent }
        try await Self.withClient { client in
            let call = try client.start(.init(baseURL: bridge.url, path: "/v1/chat/completions", headers: [:], body: ByteBuffer(string: "{}")))
            try Wait.until("the bridge read the request", timeout: .seconds(5)) { bridge.requests == 1 }
            call.cancel(Stop())
            await #expect(throws: Stop.self) { try await call.response() }
            try Wait.until("the connection closed", timeout: .seconds(5)) { bridge.closedConnections == 1 }
        }
    }

    @Test("nothing listening: connection refused, said so")
    func refused() async throws {
        let bridge = try ScriptedBridge { _, _ in .close }
        let url = bridge.url
        bridge.stop()
        try await Self.withClient { client in
            await #expect { try await Self.post(client, url) } throws: { Self.code($0) == .refused && "\($0)" == "connection refused" }
        }
    }

    @Test("an https bridge whose certificate no trusted root signed is refused: TLS verifies")
    func untrustedCertificate() async throws {
        let directory = try TemporaryDirectory("bridge-tls")
        let key = directory.path + "/key.pem", certificate = directory.path + "/cert.pem"
        let made = Process()
        made.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        made.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                          "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate]
        made.standardError = FileHandle.nullDevice
        try made.run()
        made.waitUntilExit()
        #expect(made.terminationStatus == 0)
        // A TLS server with that certificate, in-process: were the certificate accepted, the
        // handshake would complete and the call wait for an answer until its read timeout.
        let tls = try NIOSSLContext(configuration: .makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))))
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let port = server.localAddress?.port ?? 0
        try await Self.withClient(readTimeout: .seconds(10)) { client in
            await #expect { try await Self.post(client, "https://127.0.0.1:\(port)") } throws: { error in
                Self.code(error) == .connectFailed && "\(error)".lowercased().contains("certificate")
            }
        }
    }
}
