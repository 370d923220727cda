/// UTC times in ISO 8601 text (`2026-03-03T14:02:00Z`), from milliseconds since the Unix
/// epoch, by calendar arithmetic.
///
/// Foundation's `ISO8601DateFormatter` is an ICU formatter; `portlease leases` built one
/// per line and spent most of 9 s on 51,610 leases doing so. This needs no formatter,
/// no time-zone data and no allocation: the proleptic Gregorian calendar in UTC is
/// plain integer arithmetic (Howard Hinnant's `civil_from_days`).
enum IsoTime {
    /// The calendar date of a day counted from 1970-01-01 (negative before it).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
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

    /// Appends `milliseconds` as `YYYY-MM-DDTHH:MM:SSZ`, or with `.mmm` before the `Z`
    /// when `withMilliseconds` is set. Times before 1970 count back correctly (floor
    /// division); years beyond 9999 get more digits.
    static func write(_ milliseconds: Int64, withMilliseconds: Bool = false, to out: inout OutputBuffer) {
        let (seconds, millisecond) = floorDivide(milliseconds, 1_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let date = civil(fromDays: days)
        out.appendDecimal(date.year, width: 4)
        out.append(UInt8(ascii: "-"))
        out.appendDecimal(UInt64(date.month), width: 2)
        out.append(UInt8(ascii: "-"))
        out.appendDecimal(UInt64(date.day), width: 2)
        out.append(UInt8(ascii: "T"))
        out.appendDecimal(UInt64(secondOfDay / 3_600), width: 2)
        out.append(UInt8(ascii: ":"))
        out.appendDecimal(UInt64(secondOfDay / 60 % 60), width: 2)
        out.append(UInt8(ascii: ":"))
        out.appendDecimal(UInt64(secondOfDay % 60), width: 2)
        if withMilliseconds {
            out.append(UInt8(ascii: "."))
            out.appendDecimal(UInt64(millisecond), width: 3)
        }
        out.append(UInt8(ascii: "Z"))
    }

    /// `milliseconds` as ISO 8601 text (see ``write(_:withMilliseconds:to:)``).
    static func string(_ milliseconds: Int64, withMilliseconds: Bool = false) -> String {
        var out = OutputBuffer(capacity: 32)
        write(milliseconds, withMilliseconds: withMilliseconds, to: &out)
        return out.string
    }

    /// Quotient rounded towards minus infinity, and the remainder (0 ..< divisor).
    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }
}
