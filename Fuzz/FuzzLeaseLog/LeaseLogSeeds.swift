import LeaseLog
import PortLeaseFuzzSupport
import PortLeaseSystem
import PortLeaseWire

/// The lease-log harness's seeds: directories written by the real `LeaseLog` and
/// `LogCompactor`, packed as ``Chunks`` (``LogFiles``), some of them damaged on purpose.
enum LeaseLogSeeds {
    /// Records of every event, full and shared bindings, each client-key kind and relay identity.
    static var records: [LeaseRecord] {
        let relays = [
            RelayIdentity.none,
            RelayIdentity(
                linkAddress: IPv6Address(high: 0x2001_0DB8_FFFF_0001, low: 1), interfaceID: Array("ge-0/0/1".utf8)),
            RelayIdentity(remoteID: [0, 0, 0x0D, 0xE9] + Array("cpe-42".utf8)),
        ]
        let events: [LeaseRecord.Event] = [.bind, .renew, .release, .bind, .expire, .bind, .decline]
        return events.enumerated().map { index, event in
            let shared = index % 2 == 0
            let key =
                index % 3 == 0
                ? [2, 0, 0x5E, 0, 0, UInt8(index)].withUnsafeBytes { ClientKey(hardwareType: 1, address: $0) }
                : ClientKey(
                    kind: .clientIdentifier, bytes: [0xFF, 0, 0, 0, 1, 0, 3, 0, 1, 2, 0, 0, 0, 0, UInt8(index)])
            return LeaseRecord(
                event: event, time: 1_800_000_000_000 + Int64(index) * 1000, clientKey: key,
                subscriber: IPv6Address(high: 0x2001_0DB8_0000_0000 | UInt64(index), low: 1), relay: relays[index % 3],
                address: IPv4Address(198, 51, 100, UInt8(1 + index % 2)), psid: shared ? UInt16(index) : 0,
                psidLength: shared ? 4 : 0, psidOffset: shared ? 6 : 0, lifetime: event == .decline ? 60 : 120)
        }
    }

    /// Writes `batches` (one commit each) with a log that starts a new segment once one
    /// holds `segmentSize` bytes, compacts if asked, and returns the directory's files.
    static func written(_ batches: [[LeaseRecord]], segmentSize: Int = 64 << 20, compact: Bool = false) -> [(
        name: String, bytes: [UInt8]
    )] {
        let directory = ScratchDirectory.make("seeds")
        ScratchDirectory.empty(directory)
        do throws(LeaseLogError) {
            let log = try LeaseLog(
                directory: directory, options: LeaseLog.Options(segmentSize: segmentSize, durability: .none))
            for batch in batches {
                for record in batch { _ = try log.append(record) }
                _ = try log.commit()
            }
            log.close()
            if compact { try LogCompactor(directory: directory).compact() }
        } catch {
            fatalError("the real writer failed: \(error)")
        }
        let names = ((try? SystemFileSystem().list(directory)) ?? []).filter {
            $0.hasSuffix(".seg") || $0 == "snapshot"
        }
        return names.sorted().map { ($0, (try? Files.readAll(directory + "/" + $0)) ?? []) }
    }

    /// A seed: `flags`, then the files as chunks: each segment under its own number (kind 2),
    /// the snapshot as kind 1, a file without a name as the next segment (kind 0).
    static func packed(_ flags: UInt8, _ files: [(name: String, bytes: [UInt8])]) -> [UInt8] {
        [flags]
            + files.flatMap { file in
                let number = Int(file.name.prefix(16)).map { UInt8($0) << 2 | 2 }
                return Chunks.encode(control: file.name == "snapshot" ? 1 : number ?? 0, file.bytes)
            }
    }

    static func seeds() -> [SeedWriter.Seed] {
        let all = records
        let one = written([all])
        let segment = one[0].bytes
        let three = written(
            stride(from: 0, to: all.count, by: 3).map { Array(all[$0..<min($0 + 3, all.count)]) }, segmentSize: 64)
        let compacted = written(
            stride(from: 0, to: all.count, by: 2).map { Array(all[$0..<min($0 + 2, all.count)]) }, segmentSize: 64,
            compact: true)
        var badField = segment
        badField[32 + 22] = 17  // the first record's PSID length: out of range once its CRC is fixed
        return [
            ("one-segment-open", packed(2, one)),
            ("three-segments-filter-open", packed(6, three)),
            ("compacted-open", packed(2, compacted)),
            ("compacted-filter", packed(4, compacted)),
            ("torn-tail-open", packed(2, [("", Array(segment.dropLast(5)))])),
            ("header-only", packed(0, [("", Array(segment.prefix(32)))])),
            ("torn-header-open", packed(2, [("", Array(segment.prefix(20)))])),
            ("bad-field-fixed-crc", packed(3, [("", badField)])),
            (
                "gap-between-segments",
                [2] + Chunks.encode(control: 0, three[0].bytes) + Chunks.encode(control: 3 << 2 | 2, three[2].bytes)
            ),
            (
                "stray-files-open",
                packed(2, one) + Chunks.encode(control: 7, [1, 2, 3]) + Chunks.encode(control: 3, [])
            ),
        ]
    }
}
