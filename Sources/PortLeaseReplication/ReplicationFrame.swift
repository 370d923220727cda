/// One message between partners on the replication link (see `Docs/Redundancy.md`).
///
/// On the wire a frame is a big-endian `u32` length (of what follows), a `u8` type and its
/// fields. Lease records travel in the log's own form (`RecordBytes`), CRC included, so the
/// standby checks them as recovery would. A frame longer than ``maximumLength`` ends the
/// connection: a partner cannot make the other hold more than that in memory.
public enum ReplicationFrame: Sendable, Equatable {
    /// The connecting instance (the active of `groups`) names itself, the pool groups it
    /// replicates, and its number of shards, which the standby's must equal.
    case hello(instance: String, groups: [String], shards: Int)
    /// The standby's answer to `hello`: for each of the active's shards, the sequence number
    /// of the last record it has; the active streams from there.
    case resume(positions: [UInt64])
    /// The standby's answer to `hello` when it will not follow: why (it serves the groups
    /// itself since a takeover, or the hello does not match its configuration).
    case refuse(reason: String)
    /// Records of shard `shard`, encoded; `through` is the shard's sequence number this frame
    /// brings the standby to (records of other groups in between are not sent).
    case records(shard: Int, through: UInt64, bytes: [UInt8])
    /// The standby has logged shard `shard`'s records up to `through` durably.
    case ack(shard: Int, through: UInt64)
    /// The active is alive; its wall clock then (milliseconds since the epoch).
    case heartbeat(time: Int64)
    /// The standby's word, just before `resume`, that it took `groups` over while the active was
    /// silent and serves them: the active stays silent for them, and goes on streaming what
    /// it did meanwhile, so the standby learns the leases it granted.
    case takenOver(groups: [String])
    /// The standby's position in shard `shard` lies before what the active's log still holds
    /// (compaction folded it into the snapshot): the `records` frames of the shard that follow,
    /// up to ``snapshotEnds(shard:through:)``, are the snapshot's, covering `through`. The
    /// standby applies them without moving its position or acknowledging.
    case snapshotBegins(shard: Int, through: UInt64)
    /// The snapshot of shard `shard` is complete: the standby ends the leases of the groups'
    /// pools it holds and the snapshot does not (they ended in what was folded away), moves
    /// its position to `through`, and acknowledges it. Records after it follow as usual.
    case snapshotEnds(shard: Int, through: UInt64)
    /// The active's word that the standby has acknowledged everything the active had committed
    /// when the connection began: it has caught up, and may take the groups over should the
    /// active fall silent (a standby still catching up takes no role).
    case caughtUp
    /// The configured active's request, on an operator's command, to fail `groups` back: it
    /// has them `yielded`, and asks the standby that took them over for its leases there
    /// (`Docs/Redundancy.md`, "Failing back"). `through` is what the active had committed of each
    /// shard: the standby first waits until it has all of it. It goes silent for the groups and
    /// answers with ``handBack(shard:bytes:)`` frames and ``handedBack(groups:)``, or with `refuse`.
    case failback(groups: [String], through: [UInt64])
    /// Part of the standby's live leases in the groups being failed back, of shard `shard`
    /// (snapshot records, encoded as in `records`).
    case handBack(shard: Int, bytes: [UInt8])
    /// Every `handBack` frame for `groups` has been sent: the active applies them, then serves.
    case handedBack(groups: [String])
    /// From the active: it has the standby's leases of `groups` durably. From the standby, the
    /// answer: it has forgotten its takeover and follows the groups, which the active then
    /// serves (or `refuse`, when it gave up the failback meanwhile and serves them itself).
    case failbackDone(groups: [String])

    /// The longest frame accepted: a records frame of 256 maximal records, and room.
    public static let maximumLength = 1 << 20

    enum Kind: UInt8 {
        case hello = 1, resume, refuse, records, ack, heartbeat, takenOver, snapshotBegins, snapshotEnds, caughtUp
        case failback, handBack, handedBack, failbackDone
    }

    /// The frame's bytes, its length prefix included.
    public func encoded() -> [UInt8] {
        var body: [UInt8] = [0, 0, 0, 0]
        switch self {
        case .hello(let instance, let groups, let shards):
            body.append(Kind.hello.rawValue)
            Self.put(UInt16(shards), &body)
            Self.put(text: instance, &body)
            Self.put(groups: groups, &body)
        case .resume(let positions):
            body.append(Kind.resume.rawValue)
            Self.put(positions: positions, &body)
        case .refuse(let reason):
            body.append(Kind.refuse.rawValue)
            let text = Array(reason.utf8.prefix(1024))
            Self.put(UInt16(text.count), &body)
            body += text
        case .records(let shard, let through, let bytes):
            body.append(Kind.records.rawValue)
            Self.put(UInt16(shard), &body)
            Self.put(through, &body)
            body += bytes
        case .ack(let shard, let through):
            body.append(Kind.ack.rawValue)
            Self.put(UInt16(shard), &body)
            Self.put(through, &body)
        case .heartbeat(let time):
            body.append(Kind.heartbeat.rawValue)
            Self.put(UInt64(bitPattern: time), &body)
        case .takenOver(let groups):
            Self.put(.takenOver, groups: groups, &body)
        case .failback(let groups, let through):
            Self.put(.failback, groups: groups, &body)
            Self.put(positions: through, &body)
        case .handedBack(let groups):
            Self.put(.handedBack, groups: groups, &body)
        case .failbackDone(let groups):
            Self.put(.failbackDone, groups: groups, &body)
        case .handBack(let shard, let bytes):
            body.append(Kind.handBack.rawValue)
            Self.put(UInt16(shard), &body)
            body += bytes
        case .snapshotBegins(let shard, let through):
            body.append(Kind.snapshotBegins.rawValue)
            Self.put(UInt16(shard), &body)
            Self.put(through, &body)
        case .snapshotEnds(let shard, let through):
            body.append(Kind.snapshotEnds.rawValue)
            Self.put(UInt16(shard), &body)
            Self.put(through, &body)
        case .caughtUp:
            body.append(Kind.caughtUp.rawValue)
        }
        // The length prefix, filled in once the body is written after it.
        let length = UInt32(body.count - 4).bigEndian
        withUnsafeBytes(of: length) { body.replaceSubrange(0..<4, with: $0) }
        return body
    }

    /// Why a frame's bytes were refused.
    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { "malformed replication frame: \(reason)" }
    }

    /// Decodes one frame's body (after its length prefix).
    public static func decode(_ body: ArraySlice<UInt8>) throws(DecodingError) -> ReplicationFrame {
        var reader = Reader(bytes: body)
        guard let kind = Kind(rawValue: try reader.byte()) else {
            throw DecodingError(reason: "unknown frame type \(body.first.map(String.init) ?? "-")")
        }
        let frame: ReplicationFrame
        switch kind {
        case .hello:
            let shards = Int(try reader.u16())
            let instance = try reader.text()
            frame = .hello(instance: instance, groups: try reader.groups(), shards: shards)
        case .resume:
            frame = .resume(positions: try reader.positions())
        case .refuse:
            let count = Int(try reader.u16())
            frame = .refuse(reason: String(decoding: try reader.take(count), as: UTF8.self))
        case .records:
            let shard = Int(try reader.u16())
            let through = try reader.u64()
            frame = .records(shard: shard, through: through, bytes: Array(try reader.take(reader.remaining)))
        case .ack:
            frame = .ack(shard: Int(try reader.u16()), through: try reader.u64())
        case .heartbeat:
            frame = .heartbeat(time: Int64(bitPattern: try reader.u64()))
        case .takenOver:
            frame = .takenOver(groups: try reader.groups())
        case .failback:
            let groups = try reader.groups()
            frame = .failback(groups: groups, through: try reader.positions())
        case .handedBack:
            frame = .handedBack(groups: try reader.groups())
        case .failbackDone:
            frame = .failbackDone(groups: try reader.groups())
        case .handBack:
            let shard = Int(try reader.u16())
            frame = .handBack(shard: shard, bytes: Array(try reader.take(reader.remaining)))
        case .snapshotBegins:
            frame = .snapshotBegins(shard: Int(try reader.u16()), through: try reader.u64())
        case .snapshotEnds:
            frame = .snapshotEnds(shard: Int(try reader.u16()), through: try reader.u64())
        case .caughtUp:
            frame = .caughtUp
        }
        guard reader.remaining == 0 else {
            throw DecodingError(reason: "\(reader.remaining) bytes after a \(kind) frame")
        }
        return frame
    }

    private static func put<Integer: FixedWidthInteger>(_ value: Integer, _ bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes += $0 }
    }

    /// A frame that names pool groups: its type, their count and each name.
    /// (A configuration has at most 255 pool groups: `check-config` refuses more.)
    private static func put(_ kind: Kind, groups: [String], _ bytes: inout [UInt8]) {
        bytes.append(kind.rawValue)
        put(groups: groups, &bytes)
    }

    /// Pool group names: their count (one byte) and each name.
    private static func put(groups: [String], _ bytes: inout [UInt8]) {
        bytes.append(UInt8(clamping: groups.count))
        for group in groups.prefix(255) { put(text: group, &bytes) }
    }

    /// One sequence number per shard: their count (two bytes) and each.
    private static func put(positions: [UInt64], _ bytes: inout [UInt8]) {
        put(UInt16(positions.count), &bytes)
        for position in positions { put(position, &bytes) }
    }

    private static func put(text: String, _ bytes: inout [UInt8]) {
        let utf8 = Array(text.utf8.prefix(255))
        bytes.append(UInt8(utf8.count))
        bytes += utf8
    }

    /// Reads fields front to back, refusing to run past the end.
    private struct Reader {
        var bytes: ArraySlice<UInt8>
        var remaining: Int { bytes.count }

        mutating func take(_ count: Int) throws(DecodingError) -> ArraySlice<UInt8> {
            guard count <= bytes.count else { throw DecodingError(reason: "the frame ends inside a field") }
            defer { bytes = bytes.dropFirst(count) }
            return bytes.prefix(count)
        }

        mutating func byte() throws(DecodingError) -> UInt8 { try take(1).first! }

        mutating func u16() throws(DecodingError) -> UInt16 {
            try take(2).reduce(0) { $0 << 8 | UInt16($1) }
        }

        mutating func u64() throws(DecodingError) -> UInt64 {
            try take(8).reduce(0) { $0 << 8 | UInt64($1) }
        }

        mutating func text() throws(DecodingError) -> String {
            String(decoding: try take(Int(try byte())), as: UTF8.self)
        }

        mutating func positions() throws(DecodingError) -> [UInt64] {
            var positions: [UInt64] = []
            for _ in 0..<Int(try u16()) { positions.append(try u64()) }
            return positions
        }

        mutating func groups() throws(DecodingError) -> [String] {
            var groups: [String] = []
            for _ in 0..<Int(try byte()) { groups.append(try text()) }
            return groups
        }
    }
}
