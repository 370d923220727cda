import LeaseLog
import PortLeaseFuzzSupport
import PortLeaseSystem
import PortLeaseWire

/// Opening the fuzzed directory for appending, as a shard does at start-up.
extension LeaseLogHarness {
    /// The record appended after opening.
    static let appended = LeaseRecord(
        event: .bind, time: 1_800_000_000_000, clientKey: ClientKey(kind: .clientIdentifier, bytes: [1, 2, 3]),
        subscriber: IPv6Address(high: 0x2001_0DB8_0000_0001, low: 1), address: IPv4Address(198, 51, 100, 2),
        psid: 5, psidLength: 4, psidOffset: 6, lifetime: 120)

    static func checkOpen(_ recovery: Recovery) {
        let before = contents()
        var replayed: [ReplayedRecord] = []
        let log: LeaseLog
        do throws(LeaseLogError) {
            log = try LeaseLog(directory: directory, options: LeaseLog.Options(durability: .none)) {
                replayed.append($0)
            }
        } catch {
            if case .success = recovery { fatalError("opening fails (\(error)) where recovery succeeds") }
            guard contents() == before else { fatalError("opening failed (\(error)) but changed the files") }
            return
        }
        guard case .success(let recovered) = recovery else {
            fatalError("opening succeeds where recovery fails: \(recovery)")
        }
        guard replayed.map(\.record) == recovered.records.map(\.record),
            log.lastCommitted == recovered.report.lastSequence
        else {
            fatalError(
                "opening replays \(replayed.count) records to \(log.lastCommitted), recovery \(recovered.report)")
        }
        do throws(LeaseLogError) {
            _ = try log.append(appended)
            _ = try log.commit()
        } catch {
            fatalError("appending after opening failed: \(error)")
        }
        log.close()
        guard case .success(let after) = recover(filter: nil) else {
            fatalError("the log does not recover after an append: \(recover(filter: nil))")
        }
        guard after.report.truncatedTail == nil, after.records.map(\.record) == replayed.map(\.record) + [appended],
            after.report.lastSequence == recovered.report.lastSequence + 1
        else {
            fatalError(
                "after opening and one append, recovery gives \(after.report) with \(after.records.count) records")
        }
    }

    /// The directory's files (leftover `.tmp` files aside, which opening removes) and their bytes.
    static func contents() -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for name in (try? SystemFileSystem().list(directory)) ?? [] where !name.hasSuffix(".tmp") {
            result[name] = (try? Files.readAll(directory + "/" + name)) ?? []
        }
        return result
    }
}
