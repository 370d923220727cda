import Foundation
import PortLeaseTestSupport

/// Small real file systems that fail on demand, for the failure-policy tests. Needs root,
/// tmpfs, loop devices and mkfs.ext4; ``available`` says whether this machine has them
/// (tried once, with a real mount), and the tests that need them are skipped otherwise.
enum ScratchDisk {
    /// Runs a system tool; throws with its output when it fails.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let result = try CapturedRun.run(tool, arguments, seconds: 120)
        let text = result.output + result.errors
        guard result.status == 0 else {
            throw ScratchDiskError(command: ([tool] + arguments).joined(separator: " "), output: text)
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static let available: Bool = {
        guard getuid() == 0,
            ["/usr/bin/mount", "/usr/bin/umount", "/usr/sbin/losetup", "/usr/sbin/mkfs.ext4"].allSatisfy({
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { return false }
        let probe = NSTemporaryDirectory() + "portlease-mount-probe-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard (try? mountTmpfs(at: probe, kilobytes: 64)) != nil else { return false }
        unmount(probe)
        return true
    }()

    static let skipReason = "needs root with tmpfs mounts, loop devices and mkfs.ext4"

    /// Mounts a tmpfs of `kilobytes` at `path` (created if needed).
    static func mountTmpfs(at path: String, kilobytes: Int) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", path])
    }

    /// Unmounts `path` (lazily if something still holds it).
    static func unmount(_ path: String) {
        if (try? run("/usr/bin/umount", [path])) == nil { _ = try? run("/usr/bin/umount", ["-l", path]) }
    }

    /// Writes zeros to `path` until the file system says it is full (ENOSPC).
    static func fill(_ path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        let zeros = [UInt8](repeating: 0, count: 65536)
        while zeros.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
        guard errno == ENOSPC else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    }

    /// An ext4 file system on a loop device whose backing file lies sparse in a small tmpfs.
    /// ``fail()`` fills that tmpfs: from then on every write of a block not yet backed
    /// (the journal's, a new data block) fails in the block layer, and the next `fdatasync`
    /// on the file system returns EIO, as a dying disk would.
    struct FailingDevice {
        let backing: String
        let mountPoint: String
        let loop: String

        /// Everything under `directory`: `backing/` (the tmpfs) and `disk/` (the ext4 mount).
        init(in directory: String) throws {
            backing = directory + "/backing"
            mountPoint = directory + "/disk"
            try ScratchDisk.mountTmpfs(at: backing, kilobytes: 16 * 1024)
            do {
                let image = backing + "/disk.img"
                try run("/usr/bin/truncate", ["-s", "32M", image])
                loop = try run("/usr/sbin/losetup", ["--find", "--show", image])
            } catch {
                ScratchDisk.unmount(backing)
                throw error
            }
            do {
                // The journal is left unwritten (lazy_journal_init=1, nodiscard) so that its blocks
                // are holes in the backing file: the first commit after fail() cannot write them.
                try run(
                    "/usr/sbin/mkfs.ext4",
                    ["-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=1,nodiscard", loop])
                try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
                try run("/usr/bin/mount", [loop, mountPoint])
            } catch {
                _ = try? run("/usr/sbin/losetup", ["-d", loop])
                ScratchDisk.unmount(backing)
                throw error
            }
        }

        /// From now on the device fails writes to blocks it has not written before.
        func fail() throws {
            try ScratchDisk.fill(backing + "/filler")
        }

        func remove() {
            ScratchDisk.unmount(mountPoint)
            _ = try? run("/usr/sbin/losetup", ["-d", loop])
            ScratchDisk.unmount(backing)
        }
    }
}

struct ScratchDiskError: Error, CustomStringConvertible {
    var command: String
    var output: String
    var description: String { "\(command) failed: \(output)" }
}
