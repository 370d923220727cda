import PortLeaseSystem
import SystemPackage
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Files")
struct FilesTests {
    /// Positioned writes and reads, size, truncate and sync round-trip through one descriptor.
    @Test func writeReadSizeTruncate() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("segment")
        let file = OwnedDescriptor(try Files.open(path, .readWrite))
        let bytes: [UInt8] = Array(0..<200)
        try bytes.withUnsafeBytes { try Files.write(file.descriptor, $0, at: 100, path: path) }
        try Files.syncData(file.descriptor, path: path)
        #expect(try Files.size(file.descriptor, path: path) == 300)
        var back = [UInt8](repeating: 0xFF, count: 400)
        let count = try back.withUnsafeMutableBytes { try Files.read(file.descriptor, into: $0, at: 100, path: path) }
        #expect(count == 200)
        #expect(Array(back[0..<200]) == bytes)
        try Files.truncate(file.descriptor, to: 150, path: path)
        #expect(try Files.size(file.descriptor, path: path) == 150)
    }

    /// rename, remove, list, and mkdir -p; a missing directory lists as empty.
    @Test func directoryOperations() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        #expect(try Files.list(directory.file("missing")) == [])
        try Files.createDirectory(directory.file("a/b/c"), intermediates: true)
        try Files.createDirectory(directory.file("a/b/c"))  // exists: fine
        #expect(try Files.list(directory.file("a/b")) == ["c"])
        try Files.open(directory.file("one"), .truncate).closeIgnoringErrors()
        try Files.rename(directory.file("one"), to: directory.file("two"))
        #expect(try Files.list(directory.path).sorted() == ["a", "two"])
        try Files.syncDirectory(directory.path)
        try Files.remove(directory.file("two"))
        #expect(throws: SystemCallError("unlink", path: directory.file("two"), code: .noSuchFileOrDirectory)) {
            try Files.remove(directory.file("two"))
        }
    }

    /// Whole-file reads: the bytes; a file over the limit, a directory and a missing file each
    /// fail with their own errno.
    @Test func readAllAndItsRefusals() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("config.json")
        let text: [UInt8] = Array("{\"workers\": 2}\n".utf8)
        let file = OwnedDescriptor(try Files.open(path, .truncate))
        try text.withUnsafeBytes { try Files.write(file.descriptor, $0, at: 0, path: path) }
        #expect(try Files.readAll(path) == text)
        #expect(throws: SystemCallError("read", path: path, code: .fileTooLarge)) {
            _ = try Files.readAll(path, maximumSize: 4)
        }
        #expect(throws: SystemCallError("read", path: directory.path, code: .invalidArgument)) {
            _ = try Files.readAll(directory.path)
        }
        #expect(throws: SystemCallError("open", path: directory.file("none"), code: .noSuchFileOrDirectory)) {
            _ = try Files.readAll(directory.file("none"))
        }
    }

    /// An `OwnedDescriptor` closes its descriptor when it goes away, and `release()` does not.
    @Test func ownedDescriptorClosesOnDeinit() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        // Far above the lowest free number, so no other test's open can reuse it meanwhile.
        let high = Int32(900 + Int32.random(in: 0..<50))
        let opened = try Files.open(directory.file("x"), .truncate)
        #expect(dup2(opened.rawValue, high) == high)
        opened.closeIgnoringErrors()
        do {
            let owned = OwnedDescriptor(FileDescriptor(rawValue: high))
            #expect(fcntl(owned.descriptor.rawValue, F_GETFD) >= 0)
        }
        #expect(fcntl(high, F_GETFD) == -1 && errno == EBADF)

        let again = try Files.open(directory.file("x"), .readOnly)
        #expect(dup2(again.rawValue, high) == high)
        again.closeIgnoringErrors()
        let released = OwnedDescriptor(FileDescriptor(rawValue: high)).release()
        #expect(fcntl(high, F_GETFD) >= 0)
        released.closeIgnoringErrors()
    }
}
