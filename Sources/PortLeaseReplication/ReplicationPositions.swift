import LeaseLog
import PortLeaseSystem
import Synchronization

/// How far a standby has each active's shards: the sequence number of the last record of
/// each that it has logged. An active resumes streaming from there after a reconnect.
///
/// Kept in memory for the running process and written to
/// `<lease-log>/replication/<partner>.positions` by ``flush()``, which the receiver calls
/// every ``writeIntervalMilliseconds`` off the event loop, so a file write (with its
/// fdatasync) follows no frame. After a crash the file may lag what the log holds;
/// the active then sends those records again, and applying a record twice leaves the same
/// lease (a bind or renew the client already holds only sets its expiry again; an end of a
/// lease not held changes nothing).
public final class ReplicationPositions: Sendable {
    public let directory: String
    private let fileSystem = SystemFileSystem()
    private let state: Mutex<(positions: [String: [UInt64]], dirty: Bool)>
    private let shards: Int
    /// Held while the file is written.
    private let storing = Mutex(())
    /// The partners this instance has caught up with (``isCaughtUp(with:)``).
    private let caughtUp: Mutex<Set<String>>

    /// How often the receiver writes the file when positions moved.
    public static let writeIntervalMilliseconds = 200

    /// Reads the positions under `leaseLogDirectory`; a missing file is position 0 everywhere.
    public init(leaseLogDirectory: String, partners: [String], shards: Int) throws {
        directory = leaseLogDirectory + "/replication"
        self.shards = shards
        var positions: [String: [UInt64]] = [:]
        for partner in partners {
            var values = Array(repeating: UInt64(0), count: shards)
            if let bytes = try? Files.readAll("\(directory)/\(partner).positions") {
                for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                    let fields = line.split(separator: " ")
                    guard fields.count == 2, let shard = Int(fields[0]), let value = UInt64(fields[1]),
                        shard >= 0, shard < shards
                    else {
                        throw ReplicationLink.Failure("\(directory)/\(partner).positions: cannot read line \"\(line)\"")
                    }
                    values[shard] = value
                }
            }
            positions[partner] = values
        }
        state = Mutex((positions, false))
        try Files.createDirectory(directory, intermediates: true)
        let directory = directory
        caughtUp = Mutex(Set(partners.filter { (try? Files.readAll("\(directory)/\($0).caught-up")) != nil }))
    }

    /// The last record of each of `partner`'s shards that this instance has.
    public func positions(of partner: String) -> [UInt64] {
        state.withLock { $0.positions[partner] ?? Array(repeating: 0, count: shards) }
    }

    /// Records that `partner`'s `shard` is logged here up to `sequence` (in memory: ``flush()``
    /// writes the file).
    public func advance(_ partner: String, shard: Int, to sequence: UInt64) {
        state.withLock { state in
            var values = state.positions[partner] ?? Array(repeating: 0, count: shards)
            values[shard] = max(values[shard], sequence)
            state.positions[partner] = values
            state.dirty = true
        }
    }

    /// Writes the file if a position moved since the last write.
    public func flush() throws {
        let pending: [String]? = state.withLock { state in
            guard state.dirty else { return nil }
            state.dirty = false
            return Array(state.positions.keys)
        }
        for partner in pending ?? [] { try store(partner) }
    }

    /// Writes `partner`'s file with its positions as they are when the write starts. One write
    /// at a time (the shards' acknowledging tasks and the heartbeat's flush all call here): two
    /// at once would share the temporary file.
    private func store(_ partner: String) throws {
        try storing.withLock { _ in
            let values = state.withLock { $0.positions[partner] } ?? Array(repeating: 0, count: shards)
            let text = values.enumerated().map { "\($0.offset) \($0.element)\n" }.joined()
            try Array(text.utf8).withUnsafeBytes { (bytes) throws -> Void in
                try fileSystem.writeAtomically(
                    bytes, to: "\(directory)/\(partner).positions", directory: directory, sync: true)
            }
        }
    }

    /// Whether this instance has caught up with `partner`, its active, since it last connected
    /// to it: kept in `<partner>.caught-up` beside the positions, so that a standby restarted
    /// while its active is down may still take over. A standby that connects is not caught up
    /// until the active says so (``ReplicationFrame/caughtUp``).
    public func isCaughtUp(with partner: String) -> Bool {
        caughtUp.withLock { $0.contains(partner) }
    }

    /// Records, durably, whether this instance has caught up with `partner`.
    public func setCaughtUp(with partner: String, _ value: Bool) throws {
        let changed = caughtUp.withLock { set in
            value ? set.insert(partner).inserted : set.remove(partner) != nil
        }
        guard changed else { return }
        let path = "\(directory)/\(partner).caught-up"
        if value {
            try Array("caught up\n".utf8).withUnsafeBytes { (bytes) throws -> Void in
                try fileSystem.writeAtomically(bytes, to: path, directory: directory, sync: true)
            }
        } else {
            try? Files.remove(path)  // gone already: nothing to undo
            try fileSystem.syncDirectory(directory)
        }
    }

    /// The pool groups this instance took over and still serves: a file per group beside the
    /// positions, written at the takeover, so a restarted standby keeps serving them and keeps
    /// refusing their old active.
    public func takenOver(_ groups: [String]) -> [String] {
        groups.filter { (try? Files.readAll("\(directory)/\($0).taken-over")) != nil }
    }

    /// Records, durably, that this instance took group `name` over at `time`.
    public func recordTakeover(_ name: String, time: Int64) throws {
        // A hand-back's mark left from an earlier takeover would skip what the active sends now.
        try Self.removeIfThere("\(directory)/\(name).handed-back")
        try Array("\(time)\n".utf8).withUnsafeBytes { (bytes) throws -> Void in
            try fileSystem.writeAtomically(
                bytes, to: "\(directory)/\(name).taken-over", directory: directory, sync: true)
        }
    }

    /// Forgets, durably, that this instance took group `name` over (its active serves it
    /// again), and that it handed the group's leases over (``recordHandBack(_:)``).
    public func clearTakeover(_ name: String) throws {
        // The hand-back's mark first: a crash between the two must not leave it to a later takeover.
        for suffix in ["handed-back", "taken-over"] {
            try Self.removeIfThere("\(directory)/\(name).\(suffix)")
        }
        try fileSystem.syncDirectory(directory)
    }

    /// Removes `path`; one that is gone already is no failure.
    private static func removeIfThere(_ path: String) throws(SystemCallError) {
        do {
            try Files.remove(path)
        } catch {
            if error.code != .noSuchFileOrDirectory { throw error }
        }
    }

    /// Records, durably, before it sends them, that this instance hands group `name`'s leases
    /// over in a failback: until the failback ends well (``clearTakeover(_:)``), the old active may
    /// have logged copies of them, which it streams back, stale here (``handedBack(_:)``).
    public func recordHandBack(_ name: String) throws {
        try Array("handed back\n".utf8).withUnsafeBytes { (bytes) throws -> Void in
            try fileSystem.writeAtomically(
                bytes, to: "\(directory)/\(name).handed-back", directory: directory, sync: true)
        }
    }

    /// Of `groups`, those whose leases this instance handed over in a failback that has not ended well.
    public func handedBack(_ groups: [String]) -> [String] {
        groups.filter { (try? Files.readAll("\(directory)/\($0).handed-back")) != nil }
    }
}
