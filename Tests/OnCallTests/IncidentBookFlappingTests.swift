import BridgeProbe
import Foundation
import Store
import OnCall
import Testing

/// Flapping: more than K changes within W is reported once, then quiet until W passes without a change.
@Suite struct IncidentBookFlappingTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)
    static func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    /// Alternates codex between live and `bad`, one change a minute from `first`, `count` times.
    static func flap(_ book: inout IncidentBook, count: Int, from first: Int = 0, bad: BridgeState = .down) -> [[Notice]] {
        (0..<count).map { index in
            let minute = first + index
            let (from, to): (BridgeState, BridgeState) = minute.isMultiple(of: 2) ? (.live, bad) : (bad, .live)
            return book.handle(.bridge("codex", from: from, to: to, reason: "flap \(minute)"), at: at(Double(minute) * 60))
        }
    }

    @Test("K changes within W are ordinary notices, not flapping")
    func atThreshold() {
        var book = IncidentBook()
        let notices = Self.flap(&book, count: 4)
        #expect(notices.map { $0.map(\.event) } == [[.opened], [.recovered], [.opened], [.recovered]])
    }

    @Test("K+1 changes within W: one flapping notice, silence after, one settled once it has been bad for the flap outage (settled bad)")
    func flappingThenSettledBad() {
        var book = IncidentBook()
        let notices = Self.flap(&book, count: 11)
        #expect(notices[4].map(\.event) == [.flapping])
        #expect(notices[4].first?.reason == "5 state changes in 10m")
        #expect(notices[4].first?.priority == .normal)
        #expect(notices[5...].flatMap { $0 }.isEmpty)
        #expect(book.openIncidents.map(\.flapping) == [true])

        // The last change was at minute 10 (to down): down for a minute is an outage damping
        // must not swallow.
        var ticks: [Notice] = []
        var second = 10.0 * 60
        while second < 11 * 60 {
            ticks += book.tick(at: Self.at(second))
            second += 5
        }
        #expect(ticks.isEmpty)
        let settled = book.tick(at: Self.at(11 * 60))
        #expect(settled.map(\.event) == [.settled])
        #expect(settled.first?.state == "down")
        #expect(settled.first?.previousState == "flapping", "a settled notice without its previous state")
        #expect(settled.first?.nextStep == "check that the bridge is running on its host")
        #expect(settled.first?.text == "codex settled at down (flap 10) — check that the bridge is running on its host")
        #expect(book.tick(at: Self.at(21 * 60)).isEmpty)
        #expect(book.openIncidents.map(\.flapping) == [false])
        // The incident opened with the flapping notice (minute 4); reminders run from there.
        #expect(book.openIncidents.first?.openedAt == Self.at(4 * 60))
        #expect(book.tick(at: Self.at(4 * 60 + 3600 - 1)).isEmpty)
        #expect(book.tick(at: Self.at(4 * 60 + 3600)).map(\.event) == [.reminder])
        // Then it recovers like any incident.
        #expect(book.handle(.bridge("codex", from: .down, to: .live), at: Self.at(5 * 3600)).map(\.event) == [.recovered])
    }

    @Test("a flapping bridge that settles live: one settled notice that closes the incident")
    func settledLive() {
        var book = IncidentBook()
        let notices = Self.flap(&book, count: 6).flatMap { $0 }
        #expect(notices.map(\.event) == [.opened, .recovered, .opened, .recovered, .flapping])
        #expect(book.nextDue() == Self.at(15 * 60))
        #expect(book.tick(at: Self.at(15 * 60 - 1)).isEmpty)
        let settled = book.tick(at: Self.at(15 * 60))
        #expect(settled.map(\.event) == [.settled])
        #expect(settled.first?.state == "live")
        #expect(settled.first?.previousState == "flapping")
        #expect(settled.first?.priority == .low)
        #expect(settled.first?.duration == .seconds(11 * 60))
        #expect(settled.first?.text == "codex settled at live after 11m of flapping")
        #expect(book.openIncidents.isEmpty)
        #expect(book.tick(at: Self.at(3 * 3600)).isEmpty)
    }

    @Test("changes caused by the bridge's tunnel and changes to or from unknown do not count")
    func uncountedChanges() {
        var book = IncidentBook(bridgeTunnels: ["codex": "macstudio"])
        var notices: [Notice] = []
        for minute in 0..<10 {
            let (from, to): (BridgeState, BridgeState) = minute.isMultiple(of: 2) ? (.live, .tunnelDown) : (.tunnelDown, .live)
            notices += book.handle(.bridge("codex", from: from, to: to), at: Self.at(Double(minute) * 60))
            notices += book.handle(.bridge("m365", from: to == .live ? .unknown : .live, to: to == .live ? .live : .unknown), at: Self.at(Double(minute) * 60))
        }
        #expect(notices.isEmpty)
    }
}
