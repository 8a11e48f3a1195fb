import BridgeProbe
import Foundation
import Store
import OnCall
import Testing
import TunnelManager

/// The incident book: what on-call is told, and when, with explicit dates.
@Suite struct IncidentBookTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)
    /// `seconds` after the test's start.
    static func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }
    static let hour = 3600.0

    @Test("one notice into a bad state, none while it stays bad, one on recovery with the duration")
    func openAndRecover() {
        var book = IncidentBook()
        #expect(book.handle(.bridge("codex", from: .unknown, to: .live), at: Self.at(0)).isEmpty)
        let opened = book.handle(.bridge("codex", from: .live, to: .down, reason: "connection refused"), at: Self.at(10))
        #expect(opened.count == 1)
        #expect(opened.first?.event == .opened)
        #expect(opened.first?.state == "down")
        #expect(opened.first?.previousState == "live")
        #expect(opened.first?.priority == .high)
        #expect(opened.first?.key == "bridge:codex")
        #expect(opened.first?.text == "codex: down (connection refused) — check that the bridge is running on its host")
        // Neutral `unknown` in the middle neither closes nor reopens.
        #expect(book.handle(.bridge("codex", from: .down, to: .unknown), at: Self.at(20)).isEmpty)
        #expect(book.handle(.bridge("codex", from: .unknown, to: .down), at: Self.at(30)).isEmpty)
        #expect(book.handle(.bridge("codex", from: .down, to: .down), at: Self.at(40)).isEmpty)

        let recovered = book.handle(.bridge("codex", from: .down, to: .live), at: Self.at(10 + 725))
        #expect(recovered.count == 1)
        #expect(recovered.first?.event == .recovered)
        #expect(recovered.first?.duration == .seconds(725))
        #expect(recovered.first?.previousState == "down")
        #expect(recovered.first?.priority == .low)
        #expect(recovered.first?.text == "codex recovered after 12m 5s")
        #expect(book.openIncidents.isEmpty)
        #expect(book.handle(.bridge("codex", from: .live, to: .live), at: Self.at(800)).isEmpty)
    }

    @Test("startup transitions are not incidents")
    func startupIsQuiet() {
        var book = IncidentBook(bridgeTunnels: ["codex": "macstudio"])
        var notices: [Notice] = []
        notices += book.handle(.tunnel("macstudio", from: .connecting, to: .connecting), at: Self.at(0))
        notices += book.handle(.bridge("codex", from: .unknown, to: .tunnelDown, tunnel: "macstudio"), at: Self.at(1))
        notices += book.handle(.bridge("ollama", from: .unknown, to: .live), at: Self.at(1))
        notices += book.handle(.tunnel("macstudio", from: .connecting, to: .up), at: Self.at(2))
        notices += book.handle(.bridge("codex", from: .tunnelDown, to: .live, tunnel: "macstudio"), at: Self.at(3))
        notices += book.tick(at: Self.at(2 * Self.hour))
        #expect(notices.isEmpty)
        #expect(book.openIncidents.isEmpty)
    }

    @Test(
        "every bad bridge state opens one incident with its next step and priority",
        arguments: [
            (BridgeState.authRequired, "sign the bridge in again", Notice.Priority.normal),
            (.degraded, "check the bridge's logs: it answers with errors or too slowly", .normal),
            (.down, "check that the bridge is running on its host", .high),
            (.exposed, "restart it bound to 127.0.0.1", .urgent),
            (.tunnelDown, "tunnel down: check the bridge host", .high),
        ])
    func badBridgeStates(state: BridgeState, nextStep: String, priority: Notice.Priority) {
        var book = IncidentBook()
        _ = book.handle(.bridge("ollama", from: .unknown, to: .live), at: Self.at(0))
        let notices = book.handle(.bridge("ollama", from: .live, to: state), at: Self.at(5))
        #expect(notices.map(\.event) == [.opened])
        #expect(notices.first?.state == state.rawValue)
        #expect(notices.first?.nextStep == nextStep)
        #expect(notices.first?.priority == priority)
    }

    @Test("the bridge's own auth hint is the next step, in the opening and in reminders")
    func authHint() {
        let hint = "Set MICROSOFT_CLIENT_ID or M365_COPILOT_ACCESS_TOKEN."
        var book = IncidentBook()
        let opened = book.handle(
            .bridge("m365", from: .live, to: .authRequired, reason: "GET /v1/models answered 401", message: hint), at: Self.at(0))
        #expect(opened.first?.nextStep == hint)
        #expect(opened.first?.message == hint)
        #expect(opened.first?.text == "m365: auth_required — \(hint)")
        let reminder = book.tick(at: Self.at(Self.hour))
        #expect(reminder.first?.event == .reminder)
        #expect(reminder.first?.nextStep == hint)
        #expect(reminder.first?.text == "m365: still auth_required after 1h — \(hint)")
    }

    @Test("a change from one bad state to another is one `changed` notice; the incident stays one")
    func badToOtherBad() {
        var book = IncidentBook()
        _ = book.handle(.bridge("m365", from: .live, to: .down), at: Self.at(0))
        let changed = book.handle(.bridge("m365", from: .down, to: .authRequired, message: "Sign in again."), at: Self.at(60))
        #expect(changed.map(\.event) == [.changed])
        #expect(changed.first?.previousState == "down")
        #expect(changed.first?.nextStep == "Sign in again.")
        #expect(book.openIncidents.count == 1)
        let recovered = book.handle(.bridge("m365", from: .authRequired, to: .live), at: Self.at(120))
        #expect(recovered.first?.duration == .seconds(120))
    }

    @Test("reminders at 1h, 4h, 12h, 24h, then every 24h from opening, and nothing before they are due")
    func reminderSchedule() {
        var book = IncidentBook()
        _ = book.handle(.bridge("codex", from: .live, to: .down), at: Self.at(0))
        var times: [Double] = []
        var second = 0.0
        while second <= 5 * 24 * Self.hour {
            for notice in book.tick(at: Self.at(second)) {
                #expect(notice.event == .reminder)
                #expect(notice.priority == .normal)
                #expect(notice.duration == .seconds(second))
                times.append(second)
            }
            second += 60
        }
        #expect(times.map { $0 / Self.hour } == [1, 4, 12, 24, 48, 72, 96, 120])
        #expect(book.openIncidents.first?.remindersSent == 8)
        #expect(book.openIncidents.first?.lastNotifiedAt == Self.at(120 * Self.hour))
    }

    @Test("a tick just before a reminder is due sends nothing; missed reminders collapse into one")
    func reminderEdges() {
        var book = IncidentBook()
        _ = book.handle(.bridge("codex", from: .live, to: .down), at: Self.at(0))
        #expect(book.nextDue() == Self.at(Self.hour))
        #expect(book.tick(at: Self.at(Self.hour - 1)).isEmpty)
        #expect(book.tick(at: Self.at(Self.hour)).count == 1)
        #expect(book.tick(at: Self.at(Self.hour)).isEmpty)
        // No tick from 1h to 30h (the daemon was busy): one reminder, not three.
        #expect(book.tick(at: Self.at(30 * Self.hour)).count == 1)
        #expect(book.nextDue() == Self.at(48 * Self.hour))
        #expect(book.tick(at: Self.at(48 * Self.hour - 1)).isEmpty)
        #expect(book.tick(at: Self.at(48 * Self.hour)).count == 1)
    }

    @Test("a tunnel outage is one incident naming its bridges, with one recovery")
    func tunnelOutage() {
        var book = IncidentBook(bridgeTunnels: ["codex": "macstudio", "m365": "macstudio", "ollama": "local"])
        var notices: [Notice] = []
        notices += book.handle(.tunnel("macstudio", from: .up, to: .backoff, failure: .connectFailed, reason: "connection refused"), at: Self.at(0))
        notices += book.handle(.bridge("codex", from: .live, to: .tunnelDown, tunnel: "macstudio"), at: Self.at(1))
        notices += book.handle(.bridge("m365", from: .live, to: .tunnelDown, tunnel: "macstudio"), at: Self.at(2))
        notices += book.handle(.tunnel("macstudio", from: .backoff, to: .connecting), at: Self.at(10))
        notices += book.handle(.tunnel("macstudio", from: .connecting, to: .backoff, failure: .connectFailed), at: Self.at(12))
        notices += book.handle(.tunnel("macstudio", from: .backoff, to: .connecting), at: Self.at(700))
        notices += book.handle(.tunnel("macstudio", from: .connecting, to: .up), at: Self.at(725))
        notices += book.handle(.bridge("codex", from: .tunnelDown, to: .live, tunnel: "macstudio"), at: Self.at(726))
        notices += book.handle(.bridge("m365", from: .tunnelDown, to: .live, tunnel: "macstudio"), at: Self.at(727))

        #expect(notices.map(\.event) == [.opened, .recovered])
        let opened = notices[0]
        #expect(opened.kind == .tunnel)
        #expect(opened.key == "tunnel:macstudio")
        #expect(opened.bridges == ["codex", "m365"])
        #expect(opened.reason == "connect_failed: connection refused")
        #expect(
            opened.text
                == "tunnel macstudio down (connect_failed: connection refused); bridges codex, m365 unreachable — check the bridge host")
        #expect(notices[1].bridges == ["codex", "m365"])
        #expect(notices[1].duration == .seconds(725))
        #expect(notices[1].previousState == "backoff")
        #expect(book.openIncidents.isEmpty)
    }

    @Test("without the config's map, bridges that went tunnel_down first are still named, and folded in later ones")
    func tunnelOutageLearned() {
        var book = IncidentBook()
        var notices: [Notice] = []
        notices += book.handle(.bridge("codex", from: .live, to: .tunnelDown, tunnel: "macstudio"), at: Self.at(0))
        notices += book.handle(.tunnel("macstudio", from: .up, to: .failed, failure: .hostkeyMismatch), at: Self.at(1))
        notices += book.handle(.bridge("m365", from: .unknown, to: .tunnelDown, tunnel: "macstudio"), at: Self.at(2))
        #expect(notices.map(\.event) == [.opened])
        #expect(notices.first?.bridges == ["codex"])
        #expect(notices.first?.nextStep == "verify the server's new host key out of band, then update known_hosts")
        #expect(book.openIncidents.map(\.bridges) == [["codex", "m365"]])
        #expect(book.tick(at: Self.at(Self.hour)).isEmpty)
        let reminders = book.tick(at: Self.at(Self.hour + 1))
        #expect(reminders.count == 1)
        #expect(reminders.first?.bridges == ["codex", "m365"])
    }

    @Test("a bridge's own incident waits quietly while its tunnel's incident speaks for it")
    func coveredBridge() {
        var book = IncidentBook(bridgeTunnels: ["codex": "macstudio"])
        #expect(book.handle(.bridge("codex", from: .live, to: .down), at: Self.at(0)).count == 1)
        #expect(book.handle(.tunnel("macstudio", from: .up, to: .backoff), at: Self.at(60)).count == 1)
        #expect(book.handle(.bridge("codex", from: .down, to: .tunnelDown), at: Self.at(61)).isEmpty)
        // The bridge's own reminder (due at 1h) is not due while covered: only the tunnel's counts.
        #expect(book.nextDue() == Self.at(Self.hour + 60))
        let reminders = book.tick(at: Self.at(Self.hour + 60))
        #expect(reminders.map(\.key) == ["tunnel:macstudio"])
        #expect(book.handle(.tunnel("macstudio", from: .backoff, to: .up), at: Self.at(2 * Self.hour)).map(\.event) == [.recovered])
        // Back where it was before the tunnel went: still the same incident, no new page.
        #expect(book.handle(.bridge("codex", from: .tunnelDown, to: .down), at: Self.at(2 * Self.hour + 1)).isEmpty)
        #expect(book.handle(.bridge("codex", from: .down, to: .live), at: Self.at(3 * Self.hour)).first?.duration == .seconds(3 * Self.hour))
    }
}
