/// A time in milliseconds since the Unix epoch as UTC calendar fields, by integer arithmetic
/// (the proleptic Gregorian calendar, Howard Hinnant's `civil_from_days`): no formatter, no
/// time-zone data. Foundation's `ISO8601DateFormatter` is an ICU formatter; `portlease leases`
/// once spent most of 9 s building one per line. The CLI's listings and the control API both
/// print times from this.
public struct CivilTime: Sendable, Hashable {
    public var year: Int64
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var millisecond: Int

    /// The fields of `milliseconds` (negative: before 1970, counted back correctly).
    public init(milliseconds: Int64) {
        let (seconds, millisecond) = Self.floorDivide(milliseconds, 1_000)
        let (days, secondOfDay) = Self.floorDivide(seconds, 86_400)
        (year, month, day) = Self.civil(fromDays: days)
        hour = Int(secondOfDay / 3_600)
        minute = Int(secondOfDay / 60 % 60)
        second = Int(secondOfDay % 60)
        self.millisecond = Int(millisecond)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` (ISO 8601, UTC); years beyond 9999 get more digits.
    public var iso8601: String {
        func padded(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(year, 4))-\(padded(Int64(month), 2))-\(padded(Int64(day), 2))T"
            + "\(padded(Int64(hour), 2)):\(padded(Int64(minute), 2)):\(padded(Int64(second), 2))Z"
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`: ``iso8601`` with milliseconds (exports for abuse desks).
    public var iso8601Milliseconds: String {
        let digits = String(millisecond)
        return String(iso8601.dropLast()) + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// The calendar date of a day counted from 1970-01-01 (negative before it).
    public static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let shifted = days + 719_468  // days from 0000-03-01, so that a leap day ends each year
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097  // 400-year cycles
        let dayOfEra = shifted - era * 146_097  // 0 ... 146096
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // from March 1
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthFromMarch + 2) / 5 + 1)
        let month = Int(monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Quotient rounded towards minus infinity, and the remainder (0 ..< divisor).
    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }
}
