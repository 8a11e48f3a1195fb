public import Foundation

/// A subscription's budget on one bridge (`[bridges.quota]`): so many requests or tokens per
/// window, such as `requests = "300/month"` (Copilot's premium requests) or `requests = "50/5h"`
/// (a 5-hour plan window). A `day` or `month` is the calendar's, in UTC (it resets at its start);
/// a duration (`5h`, `7d`) is a rolling window ending now. Pure.
public struct QuotaBudget: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case requests, tokens
    }

    public enum Window: Sendable, Equatable {
        /// The UTC calendar day.
        case day
        /// The UTC calendar month.
        case month
        /// The last so many seconds.
        case rolling(TimeInterval)
    }

    public var kind: Kind
    public var limit: Int
    public var window: Window

    /// Makes a budget.
    public init(kind: Kind, limit: Int, window: Window) {
        self.kind = kind
        self.limit = limit
        self.window = window
    }

    /// Reads `"300/month"`, `"50/5h"`, `"2000000/day"`, `"100/7d"`; nil for anything else.
    public init?(kind: Kind, parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let limit = Int(parts[0].trimmingCharacters(in: .whitespaces)), limit > 0 else { return nil }
        let unit = parts[1].trimmingCharacters(in: .whitespaces)
        let window: Window
        switch unit {
        case "day": window = .day
        case "month": window = .month
        default:
            guard let number = Double(unit.dropLast()), number > 0, let scale = ["m": 60.0, "h": 3600.0, "d": 86400.0][String(unit.suffix(1))] else {
                return nil
            }
            window = .rolling(number * scale)
        }
        self.init(kind: kind, limit: limit, window: window)
    }

    /// Where the window counting at `now` starts.
    public func start(at now: Date) -> Date {
        switch window {
        case .day: Self.utc.startOfDay(for: now)
        case .month: Self.utc.dateInterval(of: .month, for: now)?.start ?? now
        case .rolling(let seconds): now.addingTimeInterval(-seconds)
        }
    }

    /// When what is used at `now` starts to come back: a calendar window's end; for a rolling
    /// window, when the oldest use in it leaves it, at the latest a window from now.
    public func reset(at now: Date) -> Date {
        switch window {
        case .day: Self.utc.date(byAdding: .day, value: 1, to: start(at: now)) ?? now
        case .month: Self.utc.date(byAdding: .month, value: 1, to: start(at: now)) ?? now
        case .rolling(let seconds): now.addingTimeInterval(seconds)
        }
    }

    /// The budget as written in the config.
    public var text: String {
        let unit: String =
            switch window {
            case .day: "day"
            case .month: "month"
            case .rolling(let seconds):
                seconds.truncatingRemainder(dividingBy: 86400) == 0
                    ? "\(Int(seconds / 86400))d" : seconds.truncatingRemainder(dividingBy: 3600) == 0 ? "\(Int(seconds / 3600))h" : "\(Int(seconds / 60))m"
            }
        return "\(limit)/\(unit)"
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
