import LeaseLog
import Synchronization

/// The real file system with failures switched on by the test: the next `write` or
/// `fdatasync` fails with a chosen errno.
public final class FaultyFileSystem: LogFileSystem, @unchecked Sendable {
    /// What to fail, and how many writes and syncs were seen.
    public struct Faults: Sendable {
        public var writeErrno: Int32?
        public var syncErrno: Int32?
        public var truncateErrno: Int32?
        public var writes = 0
        public var syncs = 0
    }

    private let real = SystemFileSystem()
    public let faults = Mutex(Faults())

    public init() {}

    public func open(_ path: String, mode: FileOpenMode) throws(LeaseLogError) -> Int32 {
        try real.open(path, mode: mode)
    }
    public func close(_ descriptor: Int32) { real.close(descriptor) }

    public func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String)
        throws(LeaseLogError)
    {
        let failing = faults.withLock { faults -> Int32? in
            faults.writes += 1
            return faults.writeErrno
        }
        if let failing {
            // Write part of the data first, as a real short write before ENOSPC would.
            try real.write(
                descriptor, UnsafeRawBufferPointer(rebasing: bytes.prefix(bytes.count / 2)), at: offset, path: path)
            throw .system(SystemCallFailure(operation: "write", path: path, errno: failing))
        }
        try real.write(descriptor, bytes, at: offset, path: path)
    }

    public func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String)
        throws(LeaseLogError) -> Int
    {
        try real.read(descriptor, into: buffer, at: offset, path: path)
    }

    public func size(_ descriptor: Int32, path: String) throws(LeaseLogError) -> Int {
        try real.size(descriptor, path: path)
    }

    public func syncData(_ descriptor: Int32, path: String) throws(LeaseLogError) {
        let failing = faults.withLock { faults -> Int32? in
            faults.syncs += 1
            return faults.syncErrno
        }
        if let failing { throw .syncFailed(SystemCallFailure(operation: "fdatasync", path: path, errno: failing)) }
        try real.syncData(descriptor, path: path)
    }

    public func preallocate(_ descriptor: Int32, size: Int, path: String) throws(LeaseLogError) {
        try real.preallocate(descriptor, size: size, path: path)
    }

    public func truncate(_ descriptor: Int32, to size: Int, path: String) throws(LeaseLogError) {
        if let failing = faults.withLock({ $0.truncateErrno }) {
            throw .system(SystemCallFailure(operation: "ftruncate", path: path, errno: failing))
        }
        try real.truncate(descriptor, to: size, path: path)
    }

    public func rename(_ source: String, to destination: String) throws(LeaseLogError) {
        try real.rename(source, to: destination)
    }
    public func remove(_ path: String) throws(LeaseLogError) { try real.remove(path) }
    public func syncDirectory(_ path: String) throws(LeaseLogError) { try real.syncDirectory(path) }
    public func createDirectory(_ path: String) throws(LeaseLogError) { try real.createDirectory(path) }
    public func list(_ path: String) throws(LeaseLogError) -> [String] { try real.list(path) }
}
