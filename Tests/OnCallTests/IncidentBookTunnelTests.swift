import BridgeProbe
import Foundation
import OnCall
import Store
import Testing
import TunnelManager

/// A tunnel's outage is one incident, and tunnels are damped like bridges.
@Suite struct IncidentBookTunnelTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)
    static func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }
    static let policy = NotificationPolicy(tunnelDetection: .seconds(8))

    /// One blackhole as the gateway host sees it: the probe fails first (`degraded` at `t`), the
    /// tunnel is found down 6 s later, both come back at `t + 20`.
    static func blackhole(_ book: inout IncidentBook, at t: Double) -> [Notice] {
        book.handle(.bridge("codex", from: .live, to: .degraded, tunnel: "home"), at: at(t))
            + book.handle(.tunnel("home", from: .up, to: .down, failure: .stalled), at: at(t + 6))
            + book.handle(.bridge("codex", from: .degraded, to: .tunnelDown, tunnel: "home"), at: at(t + 6))
            + book.tick(at: at(t + 8))
            + book.handle(.tunnel("home", from: .down, to: .up), at: at(t + 20))
            + book.handle(.bridge("codex", from: .tunnelDown, to: .live, tunnel: "home"), at: at(t + 21))
    }

    @Test("a bridge that fails just before its tunnel is found down is the tunnel's incident: one opened, one recovered")
    func bridgeHeldForItsTunnel() {
        var book = IncidentBook(policy: Self.policy, bridgeTunnels: ["codex": "home"])
        let notices = Self.blackhole(&book, at: 0)
        #expect(notices.map(\.event) == [.opened, .recovered])
        #expect(notices.map(\.key) == ["tunnel:home", "tunnel:home"])
        #expect(notices.first?.bridges == ["codex"])
        #expect(book.openIncidents.isEmpty)
    }

    @Test("a bridge that fails behind a tunnel that stays up pages once the tunnel's detection time has passed, dated from its failure")
    func bridgeReleasedAfterDetection() {
        var book = IncidentBook(policy: Self.policy, bridgeTunnels: ["codex": "home"])
        #expect(book.handle(.bridge("codex", from: .live, to: .down, tunnel: "home"), at: Self.at(0)).isEmpty)
        #expect(book.nextDue() == Self.at(8))
        #expect(book.tick(at: Self.at(7.9)).isEmpty)
        let opened = book.tick(at: Self.at(8))
        #expect(opened.map(\.event) == [.opened])
        #expect(opened.first?.key == "bridge:codex")
        #expect(opened.first?.previousState == "live")
        #expect(book.openIncidents.first?.openedAt == Self.at(0))
        #expect(book.handle(.bridge("codex", from: .down, to: .live, tunnel: "home"), at: Self.at(30)).map(\.event) == [.recovered])
        // Back within the hold: nothing at all.
        #expect(book.handle(.bridge("codex", from: .live, to: .down, tunnel: "home"), at: Self.at(100)).isEmpty)
        #expect(book.handle(.bridge("codex", from: .down, to: .live, tunnel: "home"), at: Self.at(103)).isEmpty)
        #expect(book.tick(at: Self.at(200)).isEmpty)
    }

    @Test("exposure behind a tunnel is never held")
    func exposureNotHeld() {
        var book = IncidentBook(policy: Self.policy, bridgeTunnels: ["codex": "home"])
        #expect(book.handle(.bridge("codex", from: .live, to: .exposed, tunnel: "home"), at: Self.at(0)).map(\.event) == [.opened])
    }

    @Test("repeated tunnel outages flap once, stay quiet, and settle live, closing the incident; the bridge behind never flaps")
    func tunnelFlapsAndSettles() {
        var book = IncidentBook(policy: Self.policy, bridgeTunnels: ["codex": "home"])
        var notices: [Notice] = []
        for round in 0..<6 { notices += Self.blackhole(&book, at: Double(round) * 60) }
        // Rounds 1 and 2 are ordinary; the third outage is the fifth change: flapping.
        #expect(notices.map(\.event) == [.opened, .recovered, .opened, .recovered, .flapping])
        #expect(notices.allSatisfy { $0.key == "tunnel:home" })
        #expect(notices.last?.nextStep?.contains("down for 1m") == true, "\(notices.last?.nextStep ?? "nil")")
        // Quiet for the flap window after the last change (up at 5 × 60 + 20 s): settled live.
        let lastChange = 5.0 * 60 + 20
        #expect(book.nextDue() == Self.at(lastChange + 600))
        #expect(book.tick(at: Self.at(lastChange + 599)).isEmpty)
        let settled = book.tick(at: Self.at(lastChange + 600))
        #expect(settled.map(\.event) == [.settled])
        #expect(settled.first?.state == "up")
        #expect(book.openIncidents.isEmpty)
        // The next outage is an ordinary one again.
        #expect(Self.blackhole(&book, at: 3600).map(\.event) == [.opened, .recovered])
    }

    @Test("damping never swallows a real outage: a flapping tunnel down for the flap outage pages, and its recovery closes it")
    func longOutageWhileFlapping() {
        var book = IncidentBook(policy: Self.policy, bridgeTunnels: ["codex": "home"])
        for round in 0..<3 { _ = Self.blackhole(&book, at: Double(round) * 60) }
        #expect(book.openIncidents.map(\.flapping) == [true])
        #expect(book.handle(.tunnel("home", from: .up, to: .down, failure: .stalled), at: Self.at(300)).isEmpty)
        #expect(book.nextDue() == Self.at(360))
        #expect(book.tick(at: Self.at(359)).isEmpty)
        let paged = book.tick(at: Self.at(360))
        #expect(paged.map(\.event) == [.settled])
        #expect(paged.first?.state == "down")
        #expect(paged.first?.text.contains("settled at down") == true, "\(paged.first?.text ?? "nil")")
        let recovered = book.handle(.tunnel("home", from: .down, to: .up), at: Self.at(400))
        #expect(recovered.map(\.event) == [.recovered])
        #expect(book.openIncidents.isEmpty)
    }
}
