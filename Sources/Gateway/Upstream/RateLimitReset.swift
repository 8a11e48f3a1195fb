import Foundation

/// When a rate-limited or out-of-quota bridge says it resets, in any of the ways bridges say it:
/// `Retry-After` (seconds or an HTTP date), `retry-after-ms`, OpenAI's `x-ratelimit-reset-requests`
/// / `-tokens` (durations like `6m0s`, or epoch seconds as some proxies send), Anthropic's
/// `anthropic-ratelimit-*-reset` (RFC 3339), or the body: `resets_at` / `reset_at` (epoch seconds
/// or RFC 3339), `resets_in_seconds` / `retry_after`, or a message saying "try again in 1m30s".
/// Where several resets are given, the one of an exhausted limit (`…-remaining-… = 0`) wins, else
/// the latest; never more than 32 days away. Pure: headers come as (name, value) pairs, in any case.
enum RateLimitReset {
    /// The reset the answer announces, or nil when it names none.
    static func until(headers: [(name: String, value: String)], body: String, now: Date) -> Date? {
        announced(headers: headers, body: body, now: now).flatMap { bounded($0, now: now) }
    }

    /// The longest a bridge may keep itself away: past it, a reset is taken as this (a monthly
    /// plan resets within it).
    static let longest: TimeInterval = 32 * 86400

    /// `reset` if it is a time after `now`, at most ``longest`` after it; nil for one that is not
    /// a number, or already past (the default cool-down then applies). A hostile bridge's
    /// `Retry-After: 1e308`, `nan` or `-5` keeps it away a bounded while at most.
    static func bounded(_ reset: Date, now: Date) -> Date? {
        let wait = reset.timeIntervalSince(now)
        guard wait.isFinite, wait > 0 else { return nil }
        return now.addingTimeInterval(min(wait, longest))
    }

    private static func announced(headers: [(name: String, value: String)], body: String, now: Date) -> Date? {
        let first = { (wanted: String) in headers.first { $0.name.lowercased() == wanted }?.value }
        if let value = first("retry-after-ms"), let ms = Double(value.trimmingCharacters(in: .whitespaces)) {
            return now.addingTimeInterval(ms / 1000)
        }
        if let value = first("retry-after") {
            if let seconds = Double(value.trimmingCharacters(in: .whitespaces)) { return now.addingTimeInterval(seconds) }
            if let date = httpDate(value) { return date }
        }
        var resets: [(limit: String, at: Date)] = []
        for (name, value) in headers {
            let name = name.lowercased()
            if name.hasPrefix("x-ratelimit-reset"), let at = instant(value, now: now) {
                resets.append((String(name.dropFirst("x-ratelimit-reset".count)), at))
            } else if name.hasPrefix("anthropic-ratelimit-"), name.hasSuffix("-reset"), let at = instant(value, now: now) {
                resets.append((String(name.dropFirst("anthropic-ratelimit-".count).dropLast("-reset".count)), at))
            }
        }
        if !resets.isEmpty {
            let exhausted = resets.filter { reset in
                headers.contains { name, value in
                    let name = name.lowercased()
                    let remaining = name == "x-ratelimit-remaining" + reset.limit || name == "anthropic-ratelimit-\(reset.limit)-remaining"
                    return remaining && value.trimmingCharacters(in: .whitespaces) == "0"
                }
            }
            return (exhausted.isEmpty ? resets : exhausted).map(\.at).max()
        }
        return inBody(body, now: now)
    }

    /// A reset in an error body's fields or words.
    static func inBody(_ body: String, now: Date) -> Date? {
        if let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] {
            for candidate in [object["error"] as? [String: Any], object].compactMap({ $0 }) {
                for key in ["resets_at", "reset_at", "resetsAt", "resetAt"] {
                    if let number = candidate[key] as? Double { return epoch(number) }
                    if let text = candidate[key] as? String, let at = instant(text, now: now) { return at }
                }
                for key in ["resets_in_seconds", "retry_after", "retryAfter"] {
                    if let seconds = candidate[key] as? Double { return now.addingTimeInterval(seconds) }
                }
            }
        }
        // "Please try again in 1m30s." / "try again in 20ms" / "retry after 30 seconds"
        let lowered = body.lowercased()
        let trailing = CharacterSet(charactersIn: ".,;:)]}\"'")
        for phrase in ["try again in ", "retry after ", "retry in ", "resets in "] {
            guard let range = lowered.range(of: phrase) else { continue }
            let rest = lowered[range.upperBound...].prefix(40)
            let words = rest.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = words.first else { continue }
            let token = first.trimmingCharacters(in: trailing)
            if let seconds = Double(token), words.count > 1 {
                let unit = words[1].trimmingCharacters(in: trailing)
                let scale: Double? =
                    switch unit {
                    case "second", "seconds", "sec", "secs", "s": 1
                    case "minute", "minutes", "min", "mins", "m": 60
                    case "hour", "hours", "h": 3600
                    case "day", "days", "d": 86400
                    default: nil
                    }
                if let scale { return now.addingTimeInterval(seconds * scale) }
            }
            if let seconds = duration(token) { return now.addingTimeInterval(seconds) }
        }
        return nil
    }

    /// A header's reset: a Go-style duration (`1h2m3.5s`, `20ms`), seconds, epoch seconds, or RFC 3339.
    static func instant(_ value: String, now: Date) -> Date? {
        let value = value.trimmingCharacters(in: .whitespaces)
        if let number = Double(value) {
            // Small numbers are a wait in seconds; large ones an epoch time (GitHub, some proxies).
            return number > 1_000_000_000 ? epoch(number) : now.addingTimeInterval(number)
        }
        if let seconds = duration(value) { return now.addingTimeInterval(seconds) }
        return try? Date(value, strategy: .iso8601)
    }

    /// Seconds in a Go-style duration: `6m0s`, `1h2m3.5s`, `250ms`; nil for anything else.
    static func duration(_ text: String) -> Double? {
        var total = 0.0
        var number = ""
        var index = text.startIndex
        var sawUnit = false
        while index < text.endIndex {
            let character = text[index]
            if character.isNumber || character == "." {
                number.append(character)
                index = text.index(after: index)
                continue
            }
            guard let value = Double(number) else { return nil }
            let rest = text[index...]
            let (unit, scale): (String, Double) =
                rest.hasPrefix("ms") ? ("ms", 0.001) : rest.hasPrefix("h") ? ("h", 3600) : rest.hasPrefix("m") ? ("m", 60) : rest.hasPrefix("s") ? ("s", 1) : ("", 0)
            guard !unit.isEmpty else { return nil }
            total += value * scale
            number = ""
            sawUnit = true
            index = text.index(index, offsetBy: unit.count)
        }
        return sawUnit && number.isEmpty ? total : nil
    }

    private static func epoch(_ number: Double) -> Date {
        // Milliseconds since 1970 where the number is that large.
        Date(timeIntervalSince1970: number > 100_000_000_000 ? number / 1000 : number)
    }

    /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7), read by hand: Foundation's
    /// DateFormatter leaked inside itself on some hostile values (the upstream-answer fuzzer found it).
    static func httpDate(_ text: String) -> Date? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 6, parts[0].count == 4, parts[0].last == ",", parts[5] == "GMT" else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let day = Int(parts[1]), parts[1].count == 2, (1...31).contains(day),
            let month = months.firstIndex(of: String(parts[2])).map({ $0 + 1 }),
            let year = Int(parts[3]), parts[3].count == 4, (1970...9999).contains(year)
        else { return nil }
        let clock = parts[4].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, clock.allSatisfy({ $0.count == 2 }),
            let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        // Days from 1970-01-01 to the civil date (Howard Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3600 + minute * 60 + second))
    }
}
