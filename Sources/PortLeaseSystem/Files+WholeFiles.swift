import SystemPackage

/// Whole-file reads and the one atomic, synced write: what the configuration reader, the
/// server's DUID and the host probes (`/proc/sys/...`) need.
extension Files {
    /// Reads the regular file at `path` whole. Throws `EFBIG` (`.fileTooLarge`) when it is
    /// larger than `maximumSize` bytes and `EINVAL` (`.invalidArgument`) when it is not a regular
    /// file (a directory, a device), both as operation "read".
    public static func readAll(_ path: String, maximumSize: Int = 16 << 20) throws(SystemCallError) -> [UInt8] {
        let file = OwnedDescriptor(try open(path, .readOnly))
        let status = try status(file.descriptor, path: path)
        guard status.type == .regular else {
            throw SystemCallError("read", path: path, code: .invalidArgument)
        }
        guard status.size <= Int64(maximumSize) else { throw SystemCallError("read", path: path, code: .fileTooLarge) }
        // Read to the end rather than to the size seen: the file may change while it is read.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(status.size))
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let count = try read(file.descriptor, into: chunk, at: bytes.count, path: path)
            bytes += chunk[..<count]
            guard bytes.count <= maximumSize else { throw SystemCallError("read", path: path, code: .fileTooLarge) }
            if count < chunk.count { return bytes }
        }
    }
}
