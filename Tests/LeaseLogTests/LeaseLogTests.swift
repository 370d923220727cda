import Foundation
import PortLeaseWire
import Testing

@testable import LeaseLog

@Suite struct LeaseLogTests {
    @Test func groupCommitReportsDurableSequenceNumbers() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory)
            #expect(log.lastCommitted == 0)
            var sequences: [UInt64] = []
            for n in 1...256 { sequences.append(try log.append(Sample.record(n))) }
            #expect(sequences == Array(1...256))
            #expect(log.pendingCount == 256)
            #expect(log.lastCommitted == 0)
            #expect(try log.commit() == 256)
            #expect(log.pendingCount == 0)
            #expect(try log.commit() == 256)
            try log.append(Sample.record(257))
            #expect(try log.commit() == 257)
            log.close()

            let (records, report) = try replayAll(directory)
            #expect(records.map(\.sequence) == Array(1...257))
            #expect(records.map(\.record) == (1...257).map { Sample.record($0) })
            #expect(report.lastSequence == 257)
            #expect(report.truncatedTail == nil)
        }
    }

    @Test func reopeningContinuesTheSequence() throws {
        try TemporaryDirectory.with { directory in
            do {
                let log = try LeaseLog(directory: directory)
                for n in 1...10 { try log.append(Sample.record(n)) }
                try log.commit()
                try log.append(Sample.record(11))  // never committed: lost with the process
            }
            var replayed: [UInt64] = []
            let log = try LeaseLog(directory: directory) { replayed.append($0.sequence) }
            #expect(replayed == Array(1...10))
            #expect(try log.append(Sample.record(11)) == 11)
            #expect(try log.commit() == 11)
            #expect(try replayAll(directory).records.count == 11)
        }
    }

    @Test func segmentsRotateAtTheConfiguredSize() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 1000))
            for n in 1...100 {
                try log.append(Sample.record(n))
                if n % 5 == 0 { try log.commit() }
            }
            log.close()
            let segments = segmentPaths(directory)
            #expect(segments.count > 5)
            for path in segments.dropLast() {
                // Rotation happens at the first commit that finds the segment full: at most one batch over.
                #expect(fileBytes(path).count >= 1000)
                #expect(fileBytes(path).count < 1000 + 5 * 96)
            }
            let (records, report) = try replayAll(directory)
            #expect(records.map(\.sequence) == Array(1...100))
            #expect(report.segmentCount == segments.count)
        }
    }

    @Test func durabilityNoneStillWritesOnCommit() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(durability: .none))
            for n in 1...3 { try log.append(Sample.record(n)) }
            #expect(try log.commit() == 3)
            #expect(try replayAll(directory).records.count == 3)
        }
    }

    @Test func discardPendingDropsTheBatch() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory)
            try log.append(Sample.record(1))
            log.discardPending()
            #expect(log.lastAppended == 0)
            #expect(try log.append(Sample.record(2)) == 1)
            try log.commit()
            #expect(try replayAll(directory).records.map(\.record) == [Sample.record(2)])
        }
    }

    @Test func appendRejectsAnInvalidRecordAndKeepsTheBatch() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory)
            try log.append(Sample.record(1))
            var bad = Sample.record(2)
            bad.clientKey = ClientKey(kind: .clientIdentifier, bytes: [])
            #expect(throws: LeaseLogError.self) { try log.append(bad) }
            #expect(try log.commit() == 1)
        }
    }
}

@Suite struct LeaseLogLifecycleTests {
    @Test func closedLogRefusesAppends() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory)
            try log.append(Sample.record(1))
            log.close()
            #expect(throws: LeaseLogError.closed(directory: directory)) { try log.append(Sample.record(2)) }
            #expect(throws: LeaseLogError.closed(directory: directory)) { try log.commit() }
            #expect(try replayAll(directory).records.isEmpty)
        }
    }

    @Test func snapshotCoveringEverySegmentStartsANewOne() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory)
            for n in 1...5 { try log.append(Sample.record(n)) }
            try log.commit()
            let point = try log.sealForCompaction()
            log.close()
            #expect(point.lastSegment == 1)
            try LogCompactor(directory: directory).compact()
            // The folded segment is gone; with the empty current one removed too, the log starts a
            // segment again, its records numbered after those the snapshot covers.
            try FileManager.default.removeItem(atPath: segmentPaths(directory)[0])
            let reopened = try LeaseLog(directory: directory)
            #expect(reopened.recovery.snapshotRecords == 5)
            #expect(try reopened.append(Sample.record(6)) == 6)
            try reopened.commit()
            #expect(segmentPaths(directory).map { ($0 as NSString).lastPathComponent } == ["0000000000000001.seg"])
            let replayed = try replayAll(directory).records
            #expect(replayed.filter(\.fromSnapshot).count == 5)
            #expect(replayed.last?.sequence == 6)
        }
    }
}

@Suite struct FilteredRecoveryTests {
    @Test func aFilterDecodesOnlyTheRecordsItAcceptsFromSnapshotAndSegments() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory)
            for n in 0..<300 { try log.append(Sample.record(n, address: IPv4Address(10, 0, 0, UInt8(n % 5)))) }
            try log.commit()
            _ = try log.sealForCompaction()
            try LogCompactor(directory: directory).compact()
            for n in 300..<400 { try log.append(Sample.record(n, address: IPv4Address(10, 0, 0, UInt8(n % 5)))) }
            try log.commit()
            let wanted = IPv4Address(10, 0, 0, 3)
            var seen = 0
            var replayed: [ReplayedRecord] = []
            _ = try LeaseLog.recover(
                directory: directory,
                filter: RecordFilter { view in
                    seen += 1
                    return view.address == wanted
                }
            ) { replayed.append($0) }
            #expect(seen == 400)
            #expect(replayed.count == 80)
            #expect(replayed.allSatisfy { $0.record.address == wanted })
            #expect(replayed.filter(\.fromSnapshot).count == 60)
            let view = try #require(replayed.first).record
            var matched = false
            _ = try LeaseLog.recover(directory: directory, filter: RecordFilter { $0.hasClientKey(view.clientKey) }) {
                matched = matched || $0.record == view
            }
            #expect(matched)
        }
    }
}
