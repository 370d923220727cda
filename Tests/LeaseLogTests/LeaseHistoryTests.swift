import Dispatch
import Foundation
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
    /// archived (indexed) segments and live ones.
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
                let point = try log.sealForCompaction()
                try LogCompactor(directory: directory).compact(point, liveLeases: [])
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
        #expect((held.start, held.end, held.endedBy) == (at(1000), at(5000), .release))
        #expect((held.psid, held.psidLength, held.psidOffset) == (3, 6, 6))

        #expect(try history.holders(of: address, port: 1080, at: at(5500)).isEmpty)
        let second = try history.holders(of: address, port: 1087, at: at(6100))
        #expect(second.map(\.clientKey) == [Sample.clientKey(2)])
        #expect(second.first?.end == at(6600))
        #expect(second.first?.endedBy == nil)
        #expect(try history.holders(of: address, port: 1080, at: at(6600)).isEmpty)

        let interval = try history.holders(of: address, port: 1080, from: at(4000), to: at(6100))
        #expect(interval.map(\.clientKey) == [Sample.clientKey(1), Sample.clientKey(2)])

        let psidFour = try history.holders(of: address, port: 1090, at: at(3000))
        #expect(psidFour.map(\.clientKey) == [Sample.clientKey(3)])
        #expect(psidFour.first?.endedBy == .expire)
        // Ports below 2^(16 - a) belong to no PSID.
        #expect(try history.holders(of: address, port: 56, at: at(3000)).isEmpty)
        // A full address holds every port.
        #expect(try history.holders(of: full, port: 80, at: at(3000)).map(\.clientKey) == [Sample.clientKey(6)])
        #expect(try history.holders(of: other, port: 1080, at: at(3000)).map(\.clientKey) == [Sample.clientKey(4)])

        // A renewal from a new subscriber address starts a new holding with that identity.
        let moved = try history.holders(of: address, port: 1024 + 9 * 16, from: at(6000), to: at(9000))
        #expect(moved.map(\.start) == [at(7000), at(7500)])
        #expect(moved.map(\.end) == [at(7500), at(8500)])
        #expect(moved.last?.subscriber == IPv6Address(high: 0x2001_0DB8_0002_0000, low: 77))

        let declined = try history.holders(of: address, port: 1024 + 11 * 16, at: at(9005))
        #expect(declined.first?.end == at(9010))
        #expect(declined.first?.endedBy == .decline)
    }

    @Test func answersAcrossArchiveAndLiveSegments() throws {
        try TemporaryDirectory.with { directory in
            try writeHistory(directory)
            #expect(!segmentPaths(directory, archive: true).isEmpty)
            try check(LeaseHistory(directory: directory))
        }
    }

    @Test func missingOrDamagedIndexFallsBackToScanning() throws {
        try TemporaryDirectory.with { directory in
            try writeHistory(directory)
            let indexes = try FileManager.default.contentsOfDirectory(atPath: directory + "/archive")
                .filter { $0.hasSuffix(".idx") }.sorted().map { directory + "/archive/" + $0 }
            #expect(indexes.count >= 2)
            try FileManager.default.removeItem(atPath: indexes[0])
            var damaged = fileBytes(indexes[1])
            damaged[damaged.count - 1] ^= 0xFF  // an offset: the record it points to will not check out
            writeFile(indexes[1], damaged)
            try check(LeaseHistory(directory: directory))
        }
    }

    @Test func indexListsEveryRecordByAddress() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory)
            for n in 0..<500 { try log.append(Sample.record(n, address: IPv4Address(10, 0, UInt8(n % 7), 1))) }
            try log.commit()
            let point = try log.sealForCompaction()
            try LogCompactor(directory: directory).compact(point, liveLeases: [])
            let path = directory + "/archive/0000000000000001.idx"
            let index = try #require(SegmentIndex.load(path: path, fileSystem: SystemFileSystem()))
            #expect(index.recordCount == 500)
            #expect(index.addresses.count == 7)
            #expect(index.earliest == Sample.record(0).time && index.latest == Sample.record(499).time)
            let offsets = try #require(
                index.offsets(of: IPv4Address(10, 0, 3, 1).value, path: path, fileSystem: SystemFileSystem()))
            #expect(offsets.count == (0..<500).filter { $0 % 7 == 3 }.count)
            #expect(offsets == offsets.sorted())
            #expect(index.offsets(of: 1, path: path, fileSystem: SystemFileSystem()) == [])
        }
    }
}

@Suite struct LeaseHistoryConcurrencyTests {
    @Test func queriesDuringCompactionSeeEveryRecordExactlyOnce() throws {
        try TemporaryDirectory.with { directory in
            let address = IPv4Address(198, 51, 100, 1)
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 1024))
            for n in 1...600 {
                try log.append(Sample.record(n, address: n % 3 == 0 ? address : IPv4Address(198, 51, 100, 2)))
                if n % 10 == 0 { try log.commit() }
            }
            let point = try log.sealForCompaction()
            let compactor = LogCompactor(directory: directory)
            let finished = Mutex(false)
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                _ = try? compactor.compact(point, liveLeases: [])
                finished.withLock { $0 = true }
                done.signal()
            }
            let history = LeaseHistory(directory: directory)
            var queries = 0
            repeat {
                #expect(try history.records(of: address).count == 200)
                queries += 1
            } while !finished.withLock({ $0 })
            done.wait()
            #expect(segmentPaths(directory, archive: true).count == Int(point.lastSegment))
            #expect(try history.records(of: address).count == 200)
            #expect(queries >= 1)
        }
    }
}
