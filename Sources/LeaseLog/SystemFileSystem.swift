#if canImport(Glibc)
    import Glibc
#endif

/// The real file system: thin wrappers over the Glibc calls that turn -1 into a typed error.
public struct SystemFileSystem: LogFileSystem {
    public init() {}

    private func failure(_ operation: String, _ path: String) -> LeaseLogError {
        .system(SystemCallFailure(operation: operation, path: path, errno: errno))
    }

    public func open(_ path: String, mode: FileOpenMode) throws(LeaseLogError) -> Int32 {
        let flags: Int32
        switch mode {
        case .readOnly: flags = O_RDONLY | O_CLOEXEC
        case .readWrite: flags = O_RDWR | O_CREAT | O_CLOEXEC
        case .truncate: flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
        }
        while true {
            let descriptor = Glibc.open(path, flags, 0o644)
            if descriptor >= 0 { return descriptor }
            if errno != EINTR { throw failure("open", path) }
        }
    }

    public func close(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)
    }

    public func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String)
        throws(LeaseLogError)
    {
        var done = 0
        while done < bytes.count {
            let written = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("write", path)
            }
            if written == 0 {
                throw LeaseLogError.system(SystemCallFailure(operation: "write", path: path, errno: EIO))
            }
            done += written
        }
    }

    public func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String)
        throws(LeaseLogError) -> Int
    {
        var done = 0
        while done < buffer.count {
            let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if count == 0 { break }
            done += count
        }
        return done
    }

    public func size(_ descriptor: Int32, path: String) throws(LeaseLogError) -> Int {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("fstat", path) }
        return Int(status.st_size)
    }

    public func syncData(_ descriptor: Int32, path: String) throws(LeaseLogError) {
        while fdatasync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw LeaseLogError.syncFailed(SystemCallFailure(operation: "fdatasync", path: path, errno: errno))
        }
    }

    public func truncate(_ descriptor: Int32, to size: Int, path: String) throws(LeaseLogError) {
        while ftruncate(descriptor, off_t(size)) != 0 {
            if errno == EINTR { continue }
            throw failure("ftruncate", path)
        }
    }

    public func rename(_ source: String, to destination: String) throws(LeaseLogError) {
        guard Glibc.rename(source, destination) == 0 else { throw failure("rename to \(destination)", source) }
    }

    public func remove(_ path: String) throws(LeaseLogError) {
        guard unlink(path) == 0 else { throw failure("unlink", path) }
    }

    public func syncDirectory(_ path: String) throws(LeaseLogError) {
        let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open directory", path) }
        defer { _ = Glibc.close(descriptor) }
        while fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw LeaseLogError.syncFailed(SystemCallFailure(operation: "fsync directory", path: path, errno: errno))
        }
    }

    public func createDirectory(_ path: String) throws(LeaseLogError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw failure("mkdir", path) }
    }

    public func list(_ path: String) throws(LeaseLogError) -> [String] {
        guard let directory = opendir(path) else {
            if errno == ENOENT { return [] }
            throw failure("opendir", path)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
