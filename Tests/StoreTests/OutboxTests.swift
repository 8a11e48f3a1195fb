import Foundation
import Store
import TestSupport
import Testing

/// The webhook outbox: what is due, in what order, and that it survives a restart.
@Suite struct OutboxTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory("store") }

    func message(_ body: String, created: Date, due: Date) -> OutboxMessage {
        OutboxMessage(
            webhook: "oncall", event: "opened", body: body, contentType: "text/plain", createdAt: created,
            nextAttemptAt: due)
    }

    @Test func dueMessagesComeOldestFirstAndLeaveOnceDelivered() throws {
        let store = try Store(directory: directory.path)
        _ = try store.commit(
            StoreBatch(outbox: [
                message("second", created: at(2), due: at(2)),
                message("later", created: at(1), due: at(100)),
                message("first", created: at(1), due: at(1)),
                message("third", created: at(3), due: at(3)),
            ]))
        #expect(try store.pendingCount() == 4)
        #expect(try store.dueMessages(now: at(0), limit: 10).isEmpty)
        #expect(try store.dueMessages(now: at(2), limit: 10).map(\.body) == ["first", "second"])
        #expect(try store.dueMessages(now: at(10), limit: 2).map(\.body) == ["first", "second"])

        let first = try #require(try store.dueMessages(now: at(10), limit: 1).first?.id)
        try store.markDelivered(id: first, at: at(11))
        #expect(try store.dueMessages(now: at(10), limit: 10).map(\.body) == ["second", "third"])
        #expect(try store.pendingCount() == 3)

        let second = try #require(try store.dueMessages(now: at(10), limit: 1).first?.id)
        try store.reschedule(id: second, attempts: 1, nextAttemptAt: at(40), lastError: "HTTP 503 from oncall")
        #expect(try store.dueMessages(now: at(10), limit: 10).map(\.body) == ["third"])
        // Once due again it keeps its place: created before "third".
        let due = try store.dueMessages(now: at(40), limit: 10)
        #expect(due.map(\.body) == ["second", "third"])
        #expect(due.first?.attempts == 1)
        #expect(due.first?.lastError == "HTTP 503 from oncall")
        #expect(try store.pendingCount() == 3)
    }

    @Test func theOutboxSurvivesARestart() throws {
        var rescheduled: Int64 = 0
        do {
            let store = try Store(directory: directory.path)
            _ = try store.commit(
                StoreBatch(outbox: [message("a", created: at(1), due: at(1)), message("b", created: at(2), due: at(2))]))
            let due = try store.dueMessages(now: at(5), limit: 10)
            try store.markDelivered(id: try #require(due.first?.id), at: at(6))
            rescheduled = try #require(due.last?.id)
            try store.reschedule(id: rescheduled, attempts: 2, nextAttemptAt: at(30), lastError: "timeout")
        }
        let store = try Store(directory: directory.path)
        #expect(try store.pendingCount() == 1)
        #expect(try store.dueMessages(now: at(29), limit: 10).isEmpty)
        let due = try store.dueMessages(now: at(30), limit: 10)
        #expect(due.map(\.id) == [rescheduled])
        #expect(due.map(\.attempts) == [2])
        #expect(due.map(\.lastError) == ["timeout"])
        #expect(due.first?.deliveredAt == nil)
    }

    @Test func updatingAMissingMessageIsNotFound() throws {
        let store = try Store(directory: directory.path)
        let delivered = #expect(throws: StoreError.self) { try store.markDelivered(id: 7, at: at(0)) }
        #expect(delivered?.code == .notFound)
        let rescheduled = #expect(throws: StoreError.self) {
            try store.reschedule(id: 7, attempts: 1, nextAttemptAt: at(1), lastError: "x")
        }
        #expect(rescheduled?.code == .notFound)
    }
}
