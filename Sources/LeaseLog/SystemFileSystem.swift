import PortLeaseSystem
import SystemPackage

/// The real file system: the system layer's `Files` calls behind the lease log's seam.
///
/// Descriptors are the raw `Int32` of a `FileDescriptor` opened by `open`; the caller owns each
/// one until it passes it to `close`. Failures are `SystemCallError`s naming the operation, the
/// path and the errno: `.system` for most calls, `.syncFailed` for `fdatasync` and the `fsync`
/// of a directory (after a failed sync the page cache cannot be trusted; see `LeaseLogError`).
public struct SystemFileSystem: LogFileSystem {
    public init() {}

    public func open(_ path: String, mode: FileOpenMode) throws(LeaseLogError) -> Int32 {
        let intent: FileOpenIntent
        switch mode {
        case .readOnly: intent = .readOnly
        case .readWrite: intent = .readWrite
        case .truncate: intent = .truncate
        }
        return try system { () throws(SystemCallError) in try Files.open(path, intent).rawValue }
    }

    public func close(_ descriptor: Int32) {
        FileDescriptor(rawValue: descriptor).closeIgnoringErrors()
    }

    public func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String)
        throws(LeaseLogError)
    {
        try system { () throws(SystemCallError) in
            try Files.write(FileDescriptor(rawValue: descriptor), bytes, at: offset, path: path)
        }
    }

    public func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String)
        throws(LeaseLogError) -> Int
    {
        try system { () throws(SystemCallError) in
            try Files.read(FileDescriptor(rawValue: descriptor), into: buffer, at: offset, path: path)
        }
    }

    public func size(_ descriptor: Int32, path: String) throws(LeaseLogError) -> Int {
        try system { () throws(SystemCallError) in try Files.size(FileDescriptor(rawValue: descriptor), path: path) }
    }

    public func flush(_ descriptor: Int32, previous: Range<Int>, current: Range<Int>, path: String)
        throws(LeaseLogError)
    {
        do {
            try Files.flush(FileDescriptor(rawValue: descriptor), previous: previous, current: current, path: path)
        } catch {
            throw .syncFailed(error)
        }
    }

    public func syncData(_ descriptor: Int32, path: String) throws(LeaseLogError) {
        do {
            try Files.syncData(FileDescriptor(rawValue: descriptor), path: path)
        } catch {
            throw .syncFailed(error)
        }
    }

    public func preallocate(_ descriptor: Int32, size: Int, path: String) throws(LeaseLogError) {
        try system { () throws(SystemCallError) in
            try Files.allocate(FileDescriptor(rawValue: descriptor), size: size, path: path)
        }
    }

    public func openDirect(_ path: String) -> Int32? {
        try? Files.openDirect(path).rawValue
    }

    public func writeDirect(
        _ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, durable: Bool, path: String
    ) throws(LeaseLogError) {
        do {
            try Files.writeDirect(FileDescriptor(rawValue: descriptor), bytes, at: offset, durable: durable, path: path)
        } catch {
            throw durable ? .syncFailed(error) : .system(error)
        }
    }

    public func truncate(_ descriptor: Int32, to size: Int, path: String) throws(LeaseLogError) {
        try system { () throws(SystemCallError) in
            try Files.truncate(FileDescriptor(rawValue: descriptor), to: size, path: path)
        }
    }

    public func rename(_ source: String, to destination: String) throws(LeaseLogError) {
        try system { () throws(SystemCallError) in try Files.rename(source, to: destination) }
    }

    public func remove(_ path: String) throws(LeaseLogError) {
        try system { () throws(SystemCallError) in try Files.remove(path) }
    }

    public func syncDirectory(_ path: String) throws(LeaseLogError) {
        let directory = try system { () throws(SystemCallError) in OwnedDescriptor(try Files.openDirectory(path)) }
        do {
            try Files.syncDirectory(directory.descriptor, path: path)
        } catch {
            throw .syncFailed(error)
        }
    }

    public func createDirectory(_ path: String) throws(LeaseLogError) {
        try system { () throws(SystemCallError) in try Files.createDirectory(path) }
    }

    public func list(_ path: String) throws(LeaseLogError) -> [String] {
        try system { () throws(SystemCallError) in try Files.list(path) }
    }

    /// Runs a system-layer call, reporting its failure as `.system`.
    private func system<Result: ~Copyable>(_ call: () throws(SystemCallError) -> Result) throws(LeaseLogError) -> Result
    {
        do {
            return try call()
        } catch {
            throw .system(error)
        }
    }
}
