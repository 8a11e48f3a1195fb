import ManagedBridges
import Testing

/// When a managed bridge's listeners are checked.
@Suite struct ExposureCheckScheduleTests {
    @Test("fast checks during the first period after a start, slow ones after", arguments: [
        (elapsed: 0, next: 250), (elapsed: 250, next: 500), (elapsed: 4_900, next: 5_150), (elapsed: 5_000, next: 6_000),
        (elapsed: 12_345, next: 13_345),
    ])
    func nextCheck(elapsed: Int, next: Int) {
        let schedule = ExposureCheckSchedule()
        let start = ContinuousClock.now
        #expect(schedule.next(after: start + .milliseconds(elapsed), startedAt: start) == start + .milliseconds(next))
    }

    @Test("every interval is a parameter")
    func custom() {
        let schedule = ExposureCheckSchedule(fastInterval: .milliseconds(100), fastPeriod: .seconds(1), slowInterval: .seconds(2))
        let start = ContinuousClock.now
        #expect(schedule.next(after: start, startedAt: start) == start + .milliseconds(100))
        #expect(schedule.next(after: start + .seconds(1), startedAt: start) == start + .seconds(3))
    }
}
