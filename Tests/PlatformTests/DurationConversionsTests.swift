import Platform
import Testing

@Suite struct DurationConversionsTests {
    @Test("a poll timeout is whole milliseconds rounded up, 0 when negative, Int32.max at most", arguments: [
        (Duration.zero, Int32(0)), (.nanoseconds(1), 1), (.microseconds(1500), 2), (.milliseconds(250), 250),
        (.seconds(3), 3000), (.milliseconds(-5), 0), (.seconds(Int64.max), .max), (.seconds(3_000_000), .max),
    ])
    func pollTimeout(duration: Duration, expected: Int32) {
        #expect(duration.pollTimeout == expected)
    }

    @Test("seconds and milliseconds keep the fraction")
    func fractions() {
        #expect(Duration.milliseconds(1500).timeInterval == 1.5)
        #expect(Duration.microseconds(2500).inMilliseconds == 2.5)
        #expect(Duration.seconds(-2).timeInterval == -2)
    }
}
