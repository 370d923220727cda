import Foundation
import Testing

@testable import portlease

/// The ISO 8601 formatter that replaced Foundation's per-line ICU formatter.
@Suite struct IsoTimeTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"),
        (1_709_164_800_000, "2024-02-29T00:00:00Z"),  // a leap day
        (1_709_251_199_000, "2024-02-29T23:59:59Z"),
        (1_709_251_200_000, "2024-03-01T00:00:00Z"),
        (2_147_483_648_000, "2038-01-19T03:14:08Z"),  // past 32-bit seconds
        (4_107_542_400_000, "2100-03-01T00:00:00Z"),  // 2100 is not a leap year
        (951_782_400_000, "2000-02-29T00:00:00Z"),  // 2000 is
        (253_402_300_799_000, "9999-12-31T23:59:59Z"),
        (-31_536_000_000, "1969-01-01T00:00:00Z"),  // before the epoch
        (-1, "1969-12-31T23:59:59Z"),
    ])
    func knownInstants(milliseconds: Int64, expected: String) {
        #expect(IsoTime.string(milliseconds) == expected)
    }

    @Test func millisecondsCountDownBeforeTheEpoch() {
        #expect(IsoTime.string(-1, withMilliseconds: true) == "1969-12-31T23:59:59.999Z")
        #expect(IsoTime.string(1_709_251_199_999, withMilliseconds: true) == "2024-02-29T23:59:59.999Z")
        #expect(IsoTime.string(7, withMilliseconds: true) == "1970-01-01T00:00:00.007Z")
    }

    /// Random instants from 1900 to 2200 against Foundation's formatter (the old code).
    @Test func agreesWithFoundationOverThreeCenturies() {
        let foundation = ISO8601DateFormatter()
        var random = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let seconds = Int64.random(in: -2_208_988_800...7_258_118_400, using: &random)
            let expected = foundation.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            #expect(IsoTime.string(seconds * 1000) == expected, "\(seconds)")
        }
    }

    @Test func calendarDaysRoundTripEveryDayOfAFourHundredYearCycle() {
        var previous = IsoTime.civil(fromDays: -146_098)
        for day in Int64(-146_097)...146_097 {
            let date = IsoTime.civil(fromDays: day)
            if date.day != 1 {
                #expect(date.year == previous.year && date.month == previous.month && date.day == previous.day + 1)
            } else {
                #expect(previous.day >= 28 && (date.month == previous.month % 12 + 1))
            }
            previous = date
        }
    }
}
