import Foundation
import LeaseLog
import PortLeaseWire
import Synchronization

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    /// A new directory under `base` (the system's temporary directory unless given).
    init(under base: String = NSTemporaryDirectory()) {
        // mkdtemp replaces the six trailing X characters with a unique suffix.
        var template = Array(
            (base + "/leaselog-test-" + String(repeating: "X", count: 6)).utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
    }

    /// Runs `body` with a new directory and removes it afterwards.
    static func with<R>(under base: String = NSTemporaryDirectory(), _ body: (String) throws -> R) rethrows -> R {
        let directory = TemporaryDirectory(under: base)
        defer { try? FileManager.default.removeItem(atPath: directory.path) }
        return try body(directory.path)
    }
}

/// Builds test records with readable defaults.
enum Sample {
    /// A DUID-based client identifier (RFC 4361: type 255, IAID, DUID-LLT): 19 bytes.
    static func clientKey(_ n: Int) -> ClientKey {
        ClientKey(
            kind: .clientIdentifier,
            bytes: [
                0xFF, 0, 0, 0, 1, 0, 1, 0, 1, 0x2A, 0x3B, 0x4C, 0x5D, 0x02, 0, 0x5E, 0, UInt8(n >> 8 & 0xFF),
                UInt8(n & 0xFF),
            ])
    }

    static func record(
        _ n: Int, event: LeaseRecord.Event = .bind, time: Int64? = nil, address: IPv4Address? = nil,
        psid: UInt16? = nil, psidLength: UInt8 = 6, psidOffset: UInt8 = 6, lifetime: UInt32 = 3600
    ) -> LeaseRecord {
        LeaseRecord(
            event: event, time: time ?? 1_700_000_000_000 + Int64(n) * 1000, clientKey: clientKey(n),
            subscriber: IPv6Address(high: 0x2001_0DB8_0001_0000, low: UInt64(n)),
            relay: RelayIdentity(linkAddress: IPv6Address("2001:db8:ffff::1"), interfaceID: Array("ge-0/0/1".utf8)),
            address: address ?? IPv4Address(198, 51, 100, UInt8(n % 256)),
            psid: psid ?? UInt16(n % 64), psidLength: psidLength, psidOffset: psidOffset, lifetime: lifetime)
    }
}

/// Collects everything a log replays.
func replayAll(_ directory: String) throws -> (records: [ReplayedRecord], report: RecoveryReport) {
    var records: [ReplayedRecord] = []
    let report = try LeaseLog.recover(directory: directory) { records.append($0) }
    return (records, report)
}

/// The bytes of a file.
func fileBytes(_ path: String) -> [UInt8] {
    [UInt8](FileManager.default.contents(atPath: path) ?? Data())
}

/// Replaces a file's bytes.
func writeFile(_ path: String, _ bytes: [UInt8]) {
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

/// The live segment files of a log directory, full paths, in order.
func segmentPaths(_ directory: String) -> [String] {
    let folder = directory
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.hasSuffix(".seg") }.sorted().map { folder + "/" + $0 }
}
