import Dispatch
import Foundation
import PortLeaseSystem
import PortLeaseWire
import Synchronization
import Testing

@testable import LeaseLog

@Suite struct LeaseHistoryTests {
    private let address = IPv4Address(198, 51, 100, 7)
    private let other = IPv4Address(198, 51, 100, 8)
    private let full = IPv4Address(203, 0, 113, 1)

    private func at(_ seconds: Int64) -> Int64 { 1_700_000_000_000 + seconds * 1000 }

    private func record(
        _ client: Int, _ event: LeaseRecord.Event, _ seconds: Int64, psid: UInt16 = 3, lifetime: UInt32 = 3600,
        address: IPv4Address? = nil, subscriber: UInt64? = nil, psidLength: UInt8 = 6
    ) -> LeaseRecord {
        var record = Sample.record(
            client, event: event, time: at(seconds), address: address ?? self.address, psid: psid,
            psidLength: psidLength, psidOffset: psidLength == 0 ? 0 : 6, lifetime: lifetime)
        if let subscriber { record.subscriber = IPv6Address(high: 0x2001_0DB8_0002_0000, low: subscriber) }
        return record
    }

    /// A synthetic history, written in three phases with compactions between, so that it spans
    /// the history's day files, the snapshot and live segments.
    private func writeHistory(_ directory: String) throws {
        let phases: [[LeaseRecord]] = [
            [
                record(1, .bind, 1000), record(3, .bind, 1000, psid: 4), record(4, .bind, 1000, address: other),
                record(6, .bind, 1000, psid: 0, address: full, psidLength: 0),
            ],
            [
                record(1, .renew, 2800), record(1, .release, 5000), record(2, .bind, 6000, lifetime: 600),
                record(5, .bind, 7000, psid: 9, lifetime: 1000),
            ],
            [
                record(5, .renew, 7500, psid: 9, lifetime: 1000, subscriber: 77), record(7, .bind, 9000, psid: 11),
                record(7, .decline, 9010, psid: 11), record(3, .expire, 4600, psid: 4),
            ],
        ]
        let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 200))
        for (index, phase) in phases.enumerated() {
            for record in phase {
                try log.append(record)
                try log.commit()
            }
            if index < 2 {
                _ = try log.sealForCompaction()
                try LogCompactor(directory: directory).compact()
            }
        }
        log.close()
    }

    /// Port 1080 is in PSID 3 (a = 6, k = 6: 1024 + 3 * 16 + 8), port 1090 in PSID 4.
    private func check(_ history: LeaseHistory) throws {
        let atThree = try history.holders(of: address, port: 1080, at: at(3000))
        #expect(atThree.count == 1)
        let held = try #require(atThree.first)
        #expect(held.clientKey == Sample.clientKey(1))
        #expect(held.subscriber == Sample.record(1).subscriber)
        #expect(held.relay == Sample.record(1).relay)
        #expect((held.start, held.end, held.ended) == (at(1000), at(5000), .release))
        #expect((held.psid, held.psidLength, held.psidOffset) == (3, 6, 6))

        #expect(try history.holders(of: address, port: 1080, at: at(5500)).isEmpty)
        let second = try history.holders(of: address, port: 1087, at: at(6100))
        #expect(second.map(\.clientKey) == [Sample.clientKey(2)])
        #expect(second.first?.end == at(6600))
        #expect(second.first?.ended == .held)
        #expect(try history.holders(of: address, port: 1080, at: at(6600)).isEmpty)

        let interval = try history.holders(of: address, port: 1080, from: at(4000), to: at(6100))
        #expect(interval.map(\.clientKey) == [Sample.clientKey(1), Sample.clientKey(2)])

        let psidFour = try history.holders(of: address, port: 1090, at: at(3000))
        #expect(psidFour.map(\.clientKey) == [Sample.clientKey(3)])
        #expect(psidFour.first?.ended == .expiry)
        // Ports below 2^(16 - a) belong to no PSID.
        #expect(try history.holders(of: address, port: 56, at: at(3000)).isEmpty)
        // A full address holds every port.
        #expect(try history.holders(of: full, port: 80, at: at(3000)).map(\.clientKey) == [Sample.clientKey(6)])
        #expect(try history.holders(of: other, port: 1080, at: at(3000)).map(\.clientKey) == [Sample.clientKey(4)])

        // A renewal from a new subscriber address starts a new holding with that identity.
        let moved = try history.holders(of: address, port: 1024 + 9 * 16, from: at(6000), to: at(9000))
        #expect(moved.map(\.start) == [at(7000), at(7500)])
        #expect(moved.map(\.end) == [at(7500), at(8500)])
        #expect(moved.map(\.ended) == [.reassignment, .held])
        #expect(moved.last?.subscriber == IPv6Address(high: 0x2001_0DB8_0002_0000, low: 77))

        let declined = try history.holders(of: address, port: 1024 + 11 * 16, at: at(9005))
        #expect(declined.first?.end == at(9010))
        #expect(declined.first?.ended == .decline)
    }

    @Test func answersAcrossHistorySnapshotAndLiveSegments() throws {
        try TemporaryDirectory.with { directory in
            try writeHistory(directory)
            #expect(FileManager.default.fileExists(atPath: directory + "/snapshot"))
            #expect(!((try? FileManager.default.contentsOfDirectory(atPath: directory + "/history")) ?? []).isEmpty)
            try check(LeaseHistory(directory: directory))
        }
    }

    @Test func theSameAnswersBeforeAndAfterEveryCompaction() throws {
        try TemporaryDirectory.with { directory in
            try writeHistory(directory)
            let history = LeaseHistory(directory: directory)
            let before = try [address, other, full].map { try history.holdings(of: $0) }
            let log = try LeaseLog(directory: directory)
            _ = try log.sealForCompaction()
            log.close()
            let report = try #require(try LogCompactor(directory: directory).compact())
            #expect(report.foldedRecords == 4)
            #expect(try [address, other, full].map { try history.holdings(of: $0) } == before)
            try check(history)
        }
    }

    @Test func damagedIndexesFallBackToScanning() throws {
        try TemporaryDirectory.with { directory in
            try writeHistory(directory)
            let days = try FileManager.default.contentsOfDirectory(atPath: directory + "/history")
            #expect(days.count == 1)
            for path in [directory + "/snapshot", directory + "/history/" + days[0]] {
                var damaged = fileBytes(path)
                damaged[damaged.count - 8] ^= 0x55  // the last index entry's offset: it points nowhere now
                writeFile(path, damaged)
            }
            try check(LeaseHistory(directory: directory))
        }
    }

    @Test func aFileLooksUpEveryEntryOfAnAddress() throws {
        try TemporaryDirectory.with { directory in
            let entries = (0..<500).map { n in
                let record = Sample.record(n, address: IPv4Address(10, 0, UInt8(n % 7), 1))
                return HoldingEntry(
                    state: .holding(.release), start: record.time, end: record.time + 1000, sequence: UInt64(n + 1),
                    record: record)
            }.sorted(by: HoldingEntry.fileOrder)
            let path = directory + "/file"
            try HoldingFile.write(
                entries, kind: .historyDay, sequence: 500, day: 3, to: path, directory: directory,
                fileSystem: SystemFileSystem(), sync: false)
            let file = try #require(try MappedFile.forLog(path))
            try file.withBytes { bytes in
                let header = try HoldingFile.decodeHeader(bytes, expecting: .historyDay).get()
                #expect((header.count, header.addresses, header.day, header.sequence) == (500, 7, 3, 500))
                #expect(header.earliestStart == Sample.record(0).time)
                let found = try #require(
                    HoldingFile.entries(of: IPv4Address(10, 0, 3, 1).value, in: bytes, kind: .historyDay))
                #expect(found == entries.filter { $0.record.address == IPv4Address(10, 0, 3, 1) })
                #expect(HoldingFile.entries(of: 1, in: bytes, kind: .historyDay) == [])
                #expect(HoldingFile.entries(of: 1, in: bytes, kind: .snapshot) == nil)
                var all: [HoldingEntry] = []
                _ = try HoldingFile.forEachEntry(bytes, kind: .historyDay, path: path) { all.append($0) }
                #expect(all == entries)
            }
        }
    }
}

@Suite struct LeaseHistoryConcurrencyTests {
    @Test func queriesDuringCompactionSeeEveryHoldingExactlyOnce() throws {
        try TemporaryDirectory.with { directory in
            let address = IPv4Address(198, 51, 100, 1)
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 1024))
            // 200 clients on `address`, each bound then released: 200 holdings, ended in the log.
            for n in 1...600 {
                let client = (n + 2) / 3
                var record = Sample.record(
                    client, event: n % 3 == 0 ? .release : .renew, time: 1_700_000_000_000 + Int64(n) * 1000,
                    address: address, psid: UInt16(client % 64))
                if n % 3 == 1 { record.event = .bind }
                try log.append(record)
                if n % 10 == 0 { try log.commit() }
            }
            _ = try log.sealForCompaction()
            let compactor = LogCompactor(directory: directory)
            let finished = Mutex(false)
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                _ = try? compactor.compact()
                finished.withLock { $0 = true }
                done.signal()
            }
            let history = LeaseHistory(directory: directory)
            var queries = 0
            repeat {
                let holdings = try history.holdings(of: address)
                #expect(holdings.count == 200)
                #expect(holdings.allSatisfy { $0.ended == .release })
                queries += 1
            } while !finished.withLock({ $0 })
            done.wait()
            #expect(segmentPaths(directory).count == 1)
            #expect(try history.holdings(of: address).count == 200)
            #expect(queries >= 1)
        }
    }
}
