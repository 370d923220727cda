import PortLeaseSystem
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Files.writeAtomically")
struct AtomicWriteTests {
    /// A successful write replaces the contents whole and leaves no temporary file.
    @Test(arguments: [true, false]) func replacesTheContents(sync: Bool) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("server-duid")
        for text in ["old contents\n", "new"] {
            let bytes = Array(text.utf8)
            try bytes.withUnsafeBytes { try Files.writeAtomically($0, to: path, directory: directory.path, sync: sync) }
            #expect(try Files.readAll(path) == bytes)
        }
        #expect(try Files.list(directory.path) == ["server-duid"])
    }

    /// A write that fails part-way leaves the old contents, and the error names the step.
    @Test func aFailedWriteLeavesTheOldContents() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("server-duid")
        let old = Array("old\n".utf8)
        try old.withUnsafeBytes { try Files.writeAtomically($0, to: path, directory: directory.path, sync: true) }
        // The temporary file's name is taken by a directory: opening it for writing fails.
        try Files.createDirectory(path + ".tmp")
        let new = Array("new\n".utf8)
        #expect(throws: SystemCallError("open", path: path + ".tmp", code: .isDirectory)) {
            try new.withUnsafeBytes { try Files.writeAtomically($0, to: path, directory: directory.path, sync: true) }
        }
        #expect(try Files.readAll(path) == old)
    }

    /// A directory that cannot be synced is reported as the `fsync directory` step, after the
    /// new contents are in place (the rename happened; its durability is what failed).
    @Test func aMissingDirectoryFailsTheDirectorySync() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("f")
        let wrongDirectory = directory.file("no-such-directory")
        #expect(throws: SystemCallError("open directory", path: wrongDirectory, code: .noSuchFileOrDirectory)) {
            try [UInt8(1)].withUnsafeBytes {
                try Files.writeAtomically($0, to: path, directory: wrongDirectory, sync: true)
            }
        }
        #expect(try Files.readAll(path) == [1])
    }
}
