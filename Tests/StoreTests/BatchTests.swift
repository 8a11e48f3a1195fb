import Foundation
import Store
import TestSupport
import Testing

/// `Store.commit(_:)`: id assignment, linking by key, updates, and all-or-nothing writes.
@Suite struct BatchTests {
    let directory: TemporaryDirectory
    let store: Store

    init() throws {
        directory = try TemporaryDirectory("store")
        store = try Store(directory: directory.path)
    }

    func opened(_ key: String, at time: Date) -> IncidentRecord {
        let subject = String(key.split(separator: ":").last ?? "")
        return IncidentRecord(
            key: key, kind: "bridge", subject: subject, state: "down", reason: "connection refused",
            bridges: [subject], openedAt: time)
    }

    func message(_ event: String, key: String?, at time: Date, headers: [String: String] = [:]) -> OutboxMessage {
        OutboxMessage(
            webhook: "oncall", incidentKey: key, event: event, body: "\(event) \(key ?? "")", contentType: "text/plain",
            headers: headers, createdAt: time, nextAttemptAt: time)
    }

    /// Every row the API can see, to show that a failed batch left nothing behind.
    func snapshot() throws -> (transitions: Int, open: [IncidentRecord], pending: Int) {
        (try store.transitions(subject: nil, limit: 1000).count, try store.openIncidents(), try store.pendingCount())
    }

    @Test func aMessageReferencingANewIncidentByKeyGetsItsID() throws {
        let saved = try store.commit(
            StoreBatch(
                transitions: [TransitionRecord(time: at(0), kind: "bridge", subject: "m365", fromState: "live", toState: "down")],
                incidents: [opened("bridge:codex", at: at(0)), opened("bridge:m365", at: at(0))],
                outbox: [message("opened", key: "bridge:m365", at: at(0)), message("opened", key: "bridge:codex", at: at(0))]))

        #expect(saved.map(\.key) == ["bridge:codex", "bridge:m365"])
        let codex = try #require(saved[0].id)
        let m365 = try #require(saved[1].id)
        #expect(codex != m365)
        #expect(try store.openIncidents() == saved)
        let due = try store.dueMessages(now: at(0), limit: 10)
        #expect(due.map(\.incidentId) == [m365, codex])
        #expect(due.map(\.incidentKey) == ["bridge:m365", "bridge:codex"])
    }

    @Test func updatesOverwriteAndAKeyedMessageLinksToTheStoredOpenIncident() throws {
        var incident = try #require(try store.commit(StoreBatch(incidents: [opened("tunnel:macstudio", at: at(0))])).first)
        incident.remindersSent = 1
        incident.lastNotifiedAt = at(60)
        incident.bridges = ["codex", "m365"]
        let reminded = try store.commit(
            StoreBatch(incidents: [incident], outbox: [message("reminder", key: "tunnel:macstudio", at: at(60))]))
        #expect(reminded == [incident])
        #expect(try store.incident(id: try #require(incident.id)) == incident)

        // Not in the batch: the message links to the stored open incident with its key.
        _ = try store.commit(StoreBatch(outbox: [message("reminder", key: "tunnel:macstudio", at: at(120))]))
        #expect(try store.dueMessages(now: at(200), limit: 10).map(\.incidentId) == [incident.id, incident.id])

        incident.resolvedAt = at(300)
        _ = try store.commit(StoreBatch(incidents: [incident], outbox: [message("recovered", key: "tunnel:macstudio", at: at(300))]))
        #expect(try store.openIncidents().isEmpty)
        #expect(try store.dueMessages(now: at(300), limit: 10).last?.incidentId == incident.id)
        // Resolved, so a new incident for the key may open.
        #expect(try store.commit(StoreBatch(incidents: [opened("tunnel:macstudio", at: at(400))])).count == 1)
    }

    @Test func aSecondOpenIncidentForAKeyWritesNothingFromItsBatch() throws {
        _ = try store.commit(StoreBatch(incidents: [opened("bridge:m365", at: at(0))]))
        let before = try snapshot()

        let batch = StoreBatch(
            transitions: [TransitionRecord(time: at(5), kind: "bridge", subject: "m365", fromState: "down", toState: "auth_required")],
            incidents: [opened("bridge:other", at: at(5)), opened("bridge:m365", at: at(5))],
            outbox: [message("opened", key: "bridge:m365", at: at(5))])
        let error = #expect(throws: StoreError.self) { try store.commit(batch) }
        #expect(error?.code == .conflict)
        #expect(error?.description.contains(directory.databasePath) == true)
        #expect(error?.description.contains("already open") == true)
        #expect(error?.description.contains("connection refused") == false)

        let after = try snapshot()
        #expect(after.transitions == before.transitions)
        #expect(after.open == before.open)
        #expect(after.pending == before.pending)
    }

    @Test func aFailingMessageUndoesTheTransitionsAndIncidentsBeforeIt() throws {
        var orphan = message("opened", key: nil, at: at(0))
        orphan.incidentId = 999_999
        let batch = StoreBatch(
            transitions: [TransitionRecord(time: at(0), kind: "tunnel", subject: "macstudio", fromState: "up", toState: "down")],
            incidents: [opened("tunnel:macstudio", at: at(0))],
            outbox: [message("opened", key: "tunnel:macstudio", at: at(0)), orphan])
        let error = #expect(throws: StoreError.self) { try store.commit(batch) }
        #expect(error?.code == .conflict)
        #expect(try store.transitions(subject: nil, limit: 10).isEmpty)
        #expect(try store.openIncidents().isEmpty)
        #expect(try store.pendingCount() == 0)
    }

    @Test func updatingAMissingIncidentWritesNothing() throws {
        var ghost = opened("bridge:codex", at: at(0))
        ghost.id = 42
        let batch = StoreBatch(
            transitions: [TransitionRecord(time: at(0), kind: "bridge", subject: "codex", fromState: "down", toState: "live")],
            incidents: [ghost])
        let error = #expect(throws: StoreError.self) { try store.commit(batch) }
        #expect(error?.code == .notFound)
        #expect(try store.transitions(subject: nil, limit: 10).isEmpty)
    }

    @Test(arguments: [
        (["Authorization": "Bearer tk_secret_value"], "oncall"),
        (["X-Api-Key": "tk_secret_value"], "oncall"),
        ([:], "https://ntfy.example.net/bridges?auth=tk_secret_value"),
    ])
    func credentialsAndURLsNeverReachTheOutbox(headers: [String: String], webhook: String) throws {
        var leaky = message("opened", key: nil, at: at(0), headers: headers)
        leaky.webhook = webhook
        let batch = StoreBatch(
            transitions: [TransitionRecord(time: at(0), kind: "bridge", subject: "codex", fromState: "live", toState: "down")],
            outbox: [leaky])
        let error = #expect(throws: StoreError.self) { try store.commit(batch) }
        #expect(error?.code == .invalidRecord)
        #expect(error?.description.contains("tk_secret_value") == false)
        #expect(try store.transitions(subject: nil, limit: 10).isEmpty)
        #expect(try store.pendingCount() == 0)
    }
}
