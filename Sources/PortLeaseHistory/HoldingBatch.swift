import LeaseLog
import NIOCore
import PortLeaseWire
import PostgresNIO

/// One shipment of a shard's holding events, as the column arrays of two statements: the ends
/// of holdings already in the database (an `UPDATE` of the open rows), and the rows to insert
/// (new holdings, ended or not). A holding that opens and ends within the batch is inserted
/// once, already ended.
///
/// Both statements are idempotent: the update touches only rows still open, and a row is
/// inserted only when the database has no holding of that client starting at that instant.
/// Exactly-once rests on the cursor committed with them; idempotence covers the feed's
/// backfill, whose events may have been shipped before.
struct HoldingBatch {
    /// Rows to insert, in event order.
    private(set) var rows = Columns()
    /// Ends of holdings opened in an earlier batch.
    private(set) var ends = Columns()
    /// Where each holding opened in this batch is in `rows`, by (client, start).
    private var opened: [Key: Int] = [:]

    var isEmpty: Bool { rows.count == 0 && ends.count == 0 }
    /// Holding starts in the batch.
    var openedCount: Int { rows.count }
    /// Holding ends in the batch.
    var endedCount: Int { ends.count + rows.reason.count { !$0.isEmpty } }

    private struct Key: Hashable {
        var client: ClientKey
        var start: Int64
    }

    mutating func add(_ event: HoldingEvent) {
        let holding = event.holding
        let key = Key(client: holding.clientKey, start: holding.start)
        switch event.kind {
        case .opened:
            opened[key] = rows.count
            rows.append(holding, ended: nil)
        case .ended:
            if let index = opened.removeValue(forKey: key) {
                rows.end(at: index, time: holding.end, reason: holding.ended)
            } else {
                ends.append(holding, ended: holding.ended)
            }
        }
    }

    mutating func removeAll() {
        self = HoldingBatch()
    }

    /// The UTC days (ms of their midnight) that the batch's ended holdings fall in.
    var endDays: Set<Int64> {
        var days = Set<Int64>()
        for columns in [rows, ends] {
            for (ended, reason) in zip(columns.endedAt, columns.reason) where !reason.isEmpty {
                days.insert(HoldingBatch.day(of: ended))
            }
        }
        return days
    }

    static let dayMilliseconds: Int64 = 86_400_000

    static func day(of milliseconds: Int64) -> Int64 {
        milliseconds.floorDividedBy(dayMilliseconds) * dayMilliseconds
    }

    /// One array per column; the empty string or buffer stands for NULL.
    struct Columns {
        var clientKind: [Int16] = []
        var clientID: [ByteBuffer] = []
        var address: [String] = []
        var psidOffset: [Int16] = []
        var psidLength: [Int16] = []
        var psid: [Int32] = []
        var subscriber: [String] = []
        var linkAddress: [String] = []
        var interfaceID: [ByteBuffer] = []
        var remoteID: [ByteBuffer] = []
        var subscriberID: [ByteBuffer] = []
        var startedAt: [Int64] = []
        var endedAt: [Int64] = []
        var reason: [String] = []

        var count: Int { startedAt.count }

        mutating func append(_ holding: TraceHolding, ended: HoldingEnd?) {
            clientKind.append(Int16(holding.clientKey.kind.rawValue))
            clientID.append(holding.clientKey.withUnsafeBytes { ByteBuffer(bytes: $0) })
            address.append("\(holding.address)")
            psidOffset.append(Int16(holding.psidOffset))
            psidLength.append(Int16(holding.psidLength))
            psid.append(Int32(holding.psid))
            subscriber.append("\(holding.subscriber)")
            linkAddress.append(holding.relay.linkAddress.map { "\($0)" } ?? "")
            interfaceID.append(ByteBuffer(bytes: holding.relay.interfaceID ?? []))
            remoteID.append(ByteBuffer(bytes: holding.relay.remoteID ?? []))
            subscriberID.append(ByteBuffer(bytes: holding.relay.subscriberID ?? []))
            startedAt.append(holding.start)
            endedAt.append(ended == nil ? 0 : holding.end)
            reason.append(ended.map(HoldingBatch.reasonText) ?? "")
        }

        /// The rows whose reason passes `isIncluded` (empty: still held).
        func filter(_ isIncluded: (String) -> Bool) -> Columns {
            var kept = Columns()
            for index in reason.indices where isIncluded(reason[index]) {
                kept.clientKind.append(clientKind[index])
                kept.clientID.append(clientID[index])
                kept.address.append(address[index])
                kept.psidOffset.append(psidOffset[index])
                kept.psidLength.append(psidLength[index])
                kept.psid.append(psid[index])
                kept.subscriber.append(subscriber[index])
                kept.linkAddress.append(linkAddress[index])
                kept.interfaceID.append(interfaceID[index])
                kept.remoteID.append(remoteID[index])
                kept.subscriberID.append(subscriberID[index])
                kept.startedAt.append(startedAt[index])
                kept.endedAt.append(endedAt[index])
                kept.reason.append(reason[index])
            }
            return kept
        }

        mutating func end(at index: Int, time: Int64, reason: HoldingEnd) {
            endedAt[index] = time
            self.reason[index] = HoldingBatch.reasonText(reason)
        }
    }

    /// The `end_reason` column's value.
    static func reasonText(_ end: HoldingEnd) -> String {
        end == .held ? "" : end.description
    }
}

extension Int64 {
    fileprivate func floorDividedBy(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
