import PortLeaseSystem

/// UTC times in ISO 8601 text (`2026-03-03T14:02:00Z`), from milliseconds since the Unix
/// epoch, written into the CLI's output buffer without allocating (the fields come from
/// `CivilTime`, the system layer's calendar arithmetic).
enum IsoTime {
    /// The calendar date of a day counted from 1970-01-01 (negative before it).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        CivilTime.civil(fromDays: days)
    }

    /// Appends `milliseconds` as `YYYY-MM-DDTHH:MM:SSZ`, or with `.mmm` before the `Z`
    /// when `withMilliseconds` is set. Times before 1970 count back correctly (floor
    /// division); years beyond 9999 get more digits.
    static func write(_ milliseconds: Int64, withMilliseconds: Bool = false, to out: inout OutputBuffer) {
        let time = CivilTime(milliseconds: milliseconds)
        out.appendDecimal(time.year, width: 4)
        out.append(UInt8(ascii: "-"))
        out.appendDecimal(UInt64(time.month), width: 2)
        out.append(UInt8(ascii: "-"))
        out.appendDecimal(UInt64(time.day), width: 2)
        out.append(UInt8(ascii: "T"))
        out.appendDecimal(UInt64(time.hour), width: 2)
        out.append(UInt8(ascii: ":"))
        out.appendDecimal(UInt64(time.minute), width: 2)
        out.append(UInt8(ascii: ":"))
        out.appendDecimal(UInt64(time.second), width: 2)
        if withMilliseconds {
            out.append(UInt8(ascii: "."))
            out.appendDecimal(UInt64(time.millisecond), width: 3)
        }
        out.append(UInt8(ascii: "Z"))
    }

    /// `milliseconds` as ISO 8601 text (see ``write(_:withMilliseconds:to:)``).
    static func string(_ milliseconds: Int64, withMilliseconds: Bool = false) -> String {
        var out = OutputBuffer(capacity: 32)
        write(milliseconds, withMilliseconds: withMilliseconds, to: &out)
        return out.string
    }
}
