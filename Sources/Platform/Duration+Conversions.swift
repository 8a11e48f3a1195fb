extension Duration {
    /// In (fractional) seconds, for arithmetic with `Date` and `TimeInterval` APIs.
    public var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// In (fractional) milliseconds, as reports and the ledger show latencies.
    public var inMilliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }

    /// As a `poll(2)` timeout: whole milliseconds rounded up (so a wait never ends early and spins),
    /// 0 for a negative duration, at most `Int32.max`.
    public var pollTimeout: Int32 {
        if self <= .zero { return 0 }
        let (seconds, attoseconds) = components
        let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return .max }
        return Int32(clamping: milliseconds + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
