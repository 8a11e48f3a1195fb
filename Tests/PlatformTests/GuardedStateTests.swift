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
}
