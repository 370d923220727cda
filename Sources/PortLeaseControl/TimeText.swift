import Foundation

/// Times as operators type them, for the API's query parameters and the CLI's options.
public enum TimeText {
    /// Milliseconds since the epoch from RFC 3339 / ISO 8601 (`2026-03-03T14:02:00Z`, with or
    /// without fractional seconds) or Unix seconds (`1772546520`, `1772546520.5`); nil otherwise.
    public static func milliseconds(_ text: String) -> Int64? {
        if let seconds = Double(text), seconds.isFinite, abs(seconds) < 1e15 { return Int64(seconds * 1000) }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
        formatter.formatOptions.insert(.withFractionalSeconds)
        return formatter.date(from: text).map { Int64($0.timeIntervalSince1970 * 1000) }
    }
}
