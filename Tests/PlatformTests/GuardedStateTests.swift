import Dispatch
import Platform
import Synchronization
import Testing

@Suite struct GuardedStateTests {
    @Test("wait decides again after each change, and returns what it decided once done")
    func waitFollowsChanges() async {
        let state = GuardedState([Int]())
        let decisions = Atomic(0)
        let waiter = Task.detached {
            state.wait { (numbers: inout [Int]) -> GuardedState<[Int]>.Decision<Int> in
                decisions.add(1, ordering: .relaxed)
                return numbers.count < 3 ? .wait(until: nil) : .done(numbers.reduce(0, +))
            }
        }
        for number in 1...3 {
            await BlockingWork.run("bk-test-change") { state.change { $0.append(number) } }
        }
        #expect(await waiter.value == 6)
        #expect(decisions.load(ordering: .relaxed) >= 2, "it decided once and never again")
    }

    @Test("a deadline ends a wait that nothing changes; one already past decides again at once")
    func deadline() {
        let state = GuardedState(0)
        let start = ContinuousClock.now
        let deadline = start + .milliseconds(50)
        let timedOut = state.wait { _ in ContinuousClock.now >= deadline ? .done(true) : .wait(until: deadline) }
        #expect(timedOut)
        #expect(ContinuousClock.now >= deadline)
        var calls = 0
        state.wait { _ in
            calls += 1
            return calls < 3 ? .wait(until: start) : .done(())
        }
        #expect(calls == 3)
    }

    @Test("withLock changes the state without waking anyone; change wakes them")
    func withLock() {
        let state = GuardedState(1)
        #expect(state.withLock { value -> Int in value += 1; return value } == 2)
        #expect(state.change { $0 } == 2)
    }

    @Test("wakeWaiters makes a waiter decide again after a change made under withLock")
    func wakeWaiters() {
        let state = GuardedState(0)
        let waiting = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        DedicatedThread.start("bk-test-wait") {
            state.wait { value in
                if value == 0 {
                    value = 1
                    waiting.signal()
                }
                return value == 2 ? .done(()) : .wait(until: nil)
            }
            done.signal()
        }
        // The waiter holds the lock from its first decision until it waits, so this change comes after.
        waiting.wait()
        state.withLock { $0 = 2 }
        state.wakeWaiters()
        #expect(done.wait(timeout: .now() + 10) == .success, "the waiter never decided again")
    }
}
