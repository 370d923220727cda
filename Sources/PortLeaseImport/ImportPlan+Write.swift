import LeaseLog
import PortLeaseServer
import PortLeaseSystem

extension ImportPlan {
    /// Records appended between commits: one write (and one `fdatasync`) per this many.
    static let commitGroup = 16_384

    /// A shard's log could not be opened or written.
    public struct WriteError: Error, CustomStringConvertible {
        /// The shard's log directory.
        public var directory: String
        /// Records of this shard committed before the failure (these are in the log).
        public var committed: Int
        /// What failed.
        public var reason: String

        public var description: String {
            "\(directory): \(reason) (\(committed) record(s) of this shard were committed; "
                + "running the import again skips the leases already in the log)"
        }
    }

    /// Appends the records to every shard's log under `base` through `LeaseLog` (opening, and so
    /// recovering, each one; creating the shards' directories when the log is new), committing
    /// every ``commitGroup`` records and at the end. The caller holds the log directory's lock.
    /// Returns the records written per shard. Nothing is written when there is nothing to import.
    @discardableResult
    public func write(base: String, options: LeaseLog.Options) throws(WriteError) -> [Int] {
        guard importedCount > 0 else { return records.map { _ in 0 } }
        do throws(SystemCallError) {
            try Files.createDirectory(base, intermediates: true)
        } catch {
            throw WriteError(directory: base, committed: 0, reason: "\(error)")
        }
        var written: [Int] = []
        for (shard, shardRecords) in records.enumerated() {
            let directory = ShardLogs.directory(base, shard: shard)
            var committed = 0
            do throws(LeaseLogError) {
                let log = try LeaseLog(directory: directory, options: options)
                defer { log.close() }
                for group in stride(from: 0, to: shardRecords.count, by: Self.commitGroup) {
                    for record in shardRecords[group..<min(group + Self.commitGroup, shardRecords.count)] {
                        try log.append(record)
                    }
                    try log.commit()
                    committed = min(group + Self.commitGroup, shardRecords.count)
                }
            } catch {
                throw WriteError(directory: directory, committed: committed, reason: "\(error)")
            }
            written.append(committed)
        }
        return written
    }
}
