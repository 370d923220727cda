import CURing
import SystemPackage

extension Files {
    /// Opens an existing file for direct writes (`O_DIRECT`): writes go from the caller's memory
    /// to the device without the page cache, so making them durable needs no writeback. Buffers,
    /// offsets and lengths must be aligned (``directAlignment``). Fails with `EINVAL` where the
    /// file system has no direct I/O (tmpfs before Linux 6.6); the caller then writes through the
    /// page cache.
    public static func openDirect(_ path: String) throws(SystemCallError) -> FileDescriptor {
        FileDescriptor(rawValue: try SystemCall.retrying("open O_DIRECT", path: path) { curing_open_direct(path) })
    }

    /// Writes all of `bytes` at `offset` to a descriptor from ``openDirect(_:)``; with `durable`
    /// (`RWF_DSYNC`) they are on stable storage when it returns, as after an `fdatasync`, and a
    /// failure is then a failed sync. A write that makes no progress fails with `EIO`.
    public static func writeDirect(
        _ descriptor: FileDescriptor, _ bytes: UnsafeRawBufferPointer, at offset: Int, durable: Bool, path: String
    ) throws(SystemCallError) {
        var done = 0
        while done < bytes.count {
            let written = try SystemCall.retrying(durable ? "pwritev2 RWF_DSYNC" : "pwritev2", path: path) {
                curing_write_direct(
                    descriptor.rawValue, bytes.baseAddress! + done, bytes.count - done, Int64(offset + done),
                    durable ? 1 : 0)
            }
            if written == 0 { throw SystemCallError("pwritev2", path: path, code: .ioError) }
            done += Int(written)
        }
    }

    /// The alignment direct writes keep for their memory, offsets and lengths: a page, which is
    /// at least the logical block size of the devices PortLease runs on (512 or 4,096 bytes) and
    /// a whole physical sector of 4K-sector disks, so the device never reads to modify.
    public static let directAlignment = 4096
}
