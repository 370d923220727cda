import Foundation
import PortLeaseWire
import Testing

@testable import LeaseLog

@Suite struct RetentionTests {
    @Test func retentionDeletesExactlyTheHoldingsThatEndedBeforeTheWindow() throws {
        try TemporaryDirectory.with { directory in
            let day: Int64 = 86_400_000
            let now: Int64 = 1_800_000_000_000 + 7 * 3_600_000  // mid-day, so the cutoff splits a day file
            let cutoff = now - 180 * day
            // Holdings released at these ends (ms); each on its own client and address.
            let ends: [Int64] = [
                now - 400 * day, cutoff - day, cutoff - 1, cutoff, cutoff + 1, cutoff + 3_600_000, now - 10 * day,
            ]
            let log = try LeaseLog(directory: directory)
            for (index, end) in ends.enumerated() {
                let address = IPv4Address(198, 51, 100, UInt8(index))
                try log.append(Sample.record(index, event: .bind, time: end - 60_000, address: address, psid: 1))
                try log.append(Sample.record(index, event: .release, time: end, address: address, psid: 1))
            }
            try log.commit()
            _ = try log.sealForCompaction()
            let compactor = LogCompactor(directory: directory)
            try compactor.compact()
            #expect(try compactor.status().historyHoldings == ends.count)

            let report = try compactor.applyRetention(now: now, retentionDays: 180)
            #expect(report.deletedHoldings == 4)
            #expect(report.deletedFiles == 2)
            let history = LeaseHistory(directory: directory)
            for (index, end) in ends.enumerated() {
                let kept = try history.holdings(of: IPv4Address(198, 51, 100, UInt8(index)))
                #expect(
                    kept.count == (end > cutoff ? 1 : 0),
                    "holding ending at cutoff\(end - cutoff >= 0 ? "+" : "")\(end - cutoff) ms")
            }
            #expect(try compactor.status().historyHoldings == 3)
            // Nothing more to do at the same instant.
            #expect(try compactor.applyRetention(now: now, retentionDays: 180) == RetentionReport())
        }
    }
}
