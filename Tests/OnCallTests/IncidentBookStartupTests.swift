import BridgeProbe
import Foundation
import OnCall
import Store
import Testing
import TunnelManager

/// The startup grace: a gateway host started before its peer does not page "tunnel down" for the
/// seconds the peer takes to connect, and a real outage still pages.
@Suite struct IncidentBookStartupTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)
    static func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }
    static func book() -> IncidentBook {
        IncidentBook(policy: NotificationPolicy(startupGrace: .seconds(60)), bridgeTunnels: ["codex": "home"], startedAt: start)
    }

    @Test("a tunnel down at start and up within the grace pages nothing")
    func upWithinGrace() {
        var book = Self.book()
        #expect(book.handle(.tunnel("home", from: .connecting, to: .down, reason: "nothing listens"), at: Self.at(0.2)).isEmpty)
        #expect(book.handle(.bridge("codex", from: .unknown, to: .tunnelDown), at: Self.at(0.3)).isEmpty)
        #expect(book.nextDue() == Self.at(60))
        #expect(book.handle(.tunnel("home", from: .down, to: .up), at: Self.at(1.5)).isEmpty)
        #expect(book.handle(.bridge("codex", from: .tunnelDown, to: .live), at: Self.at(1.6)).isEmpty)
        #expect(book.tick(at: Self.at(60)).isEmpty)
        #expect(book.openIncidents.isEmpty)
        #expect(book.takeChanges().isEmpty, "a held incident was stored")
    }

    @Test("still down when the grace ends: one page then, opened when it went down, and its recovery")
    func downPastGrace() throws {
        var book = Self.book()
        _ = book.handle(.tunnel("home", from: .connecting, to: .down, reason: "nothing listens"), at: Self.at(0.2))
        #expect(book.tick(at: Self.at(59.9)).isEmpty)
        let paged = book.tick(at: Self.at(60))
        #expect(paged.map(\.event) == [.opened])
        #expect(paged.first?.subject == "home")
        #expect(paged.first?.previousState == "connecting")
        #expect(paged.first?.bridges == ["codex"])
        #expect(book.openIncidents.map(\.openedAt) == [Self.at(0.2)])
        let recovered = book.handle(.tunnel("home", from: .down, to: .up), at: Self.at(90))
        #expect(recovered.map(\.event) == [.recovered])
        #expect(recovered.first?.duration?.components.seconds == 89)
    }

    @Test("a bad state that changes within the grace pages once, in its latest state")
    func changedWithinGrace() {
        var book = Self.book()
        _ = book.handle(.bridge("m365", from: .unknown, to: .down), at: Self.at(1))
        _ = book.handle(.bridge("m365", from: .down, to: .authRequired, message: "Set MICROSOFT_CLIENT_ID"), at: Self.at(5))
        let paged = book.tick(at: Self.at(60))
        #expect(paged.map(\.event) == [.opened])
        #expect(paged.first?.state == "auth_required")
        #expect(paged.first?.previousState == "unknown")
        #expect(book.openIncidents.map(\.openedAt) == [Self.at(1)])
    }

    @Test("up once since the start: an outage within the grace pages at once")
    func realOutageWithinGrace() {
        var book = Self.book()
        _ = book.handle(.tunnel("home", from: .connecting, to: .up), at: Self.at(1))
        #expect(book.handle(.tunnel("home", from: .up, to: .backoff, failure: .stalled), at: Self.at(20)).map(\.event) == [.opened])
    }

    @Test("exposure and hijacking page at once, grace or not", arguments: [TunnelState.exposed, .hijacked])
    func urgent(state: TunnelState) {
        var book = Self.book()
        #expect(book.handle(.tunnel("home", from: .connecting, to: state), at: Self.at(1)).map(\.event) == [.opened])
        var bridges = Self.book()
        #expect(bridges.handle(.bridge("local", from: .unknown, to: .exposed), at: Self.at(1)).map(\.event) == [.opened])
    }

    @Test("no grace without a start time or with a zero grace")
    func noGrace() {
        var unstarted = IncidentBook(policy: NotificationPolicy(startupGrace: .seconds(60)))
        #expect(unstarted.handle(.tunnel("home", from: .connecting, to: .down), at: Self.at(1)).map(\.event) == [.opened])
        var zero = IncidentBook(policy: NotificationPolicy(startupGrace: .zero), startedAt: Self.start)
        #expect(zero.handle(.tunnel("home", from: .connecting, to: .down), at: Self.at(1)).map(\.event) == [.opened])
    }
}
