import Foundation

/// A fixed origin for test times, in whole seconds so that they round-trip exactly.
let t0 = Date(timeIntervalSince1970: 1_750_000_000)

/// `t0` plus `seconds`.
func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }
