import Foundation
import Testing

/// The failure policy (`Docs/LeaseLog.md`, "Failure policy"), each failure caused for real
/// or injected into a running `portlease serve`: the process ends with the documented exit
/// status and log line, or, for a full disk, withholds ACKs and recovers by itself.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
struct FailurePolicyTests {
    /// A port for a test's server (``TestPorts``).
    static func port() -> UInt16 { TestPorts.take() }

    /// Metrics cannot bind (the port is taken): exit 1 at start, with the reason.
    @Test func aMetricsPortInUseStopsStartUpWithStatus1() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (listener, taken) = try LoopbackTCP.listen()
        defer { close(listener) }
        let path = directory + "/server.json"
        try ServeProcess.configuration(port: Self.port(), logDirectory: directory + "/log", metricsPort: taken)
            .write(toFile: path, atomically: true, encoding: .utf8)
        let server = try ServeProcess(config: path, logPath: directory + "/server.log")
        #expect(server.waitForExit() == 1)
        #expect(server.log.contains("portlease cannot start"), "\(server.log)")
        #expect(server.log.contains("bind metrics 127.0.0.1:\(taken)"), "\(server.log)")
        #expect(!server.log.contains("portlease started"), "nothing started before the failing step")
    }

    /// The receive loop fails (injected: its first batch ends with EBADF): exit 70.
    @Test func aReceiveLoopFailureEndsTheProcessWithStatus70() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = Self.port()
        let path = directory + "/server.json"
        try ServeProcess.configuration(port: port, logDirectory: directory + "/log")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let server = try ServeProcess(
            config: path, logPath: directory + "/server.log", environment: ["PORTLEASE_INJECT_FAULT": "receive-loop"])
        defer { server.stop() }
        #expect(server.waitFor("portlease started"))
        _ = try ServeProcess.dora(port: port, id: 1)
        #expect(server.waitForExit() == 70)
        let log = server.log
        #expect(log.contains("receive loop failed; stopping the server"), "\(log)")
        #expect(log.contains("portlease exits after a fatal fault"), "\(log)")
        #expect(log.contains("exit-status=70") && log.contains("part=receive loop"), "\(log)")
    }

    /// A real disk that starts failing writes: the next commit fails with EIO (its durable
    /// direct write, or its fdatasync through the page cache; or, if the log happens to start
    /// a segment then, creating it), and the process exits 74 naming the shard, the file, the
    /// call and the errno. The device fails writes only to blocks never written before, and a
    /// direct segment writes its zeros ahead at its first commit, so there the disk fails
    /// before any: the first commit's zeros fail (they are only an optimisation), then its
    /// records' write. 1 MiB segments are allocated on this 32 MB disk, so written directly;
    /// 64 MiB ones are not, so written through the page cache.
    @Test(.enabled(if: ScratchDisk.available, "\(ScratchDisk.skipReason)"), arguments: [true, false])
    func aFailedSyncOnARealDeviceEndsTheProcessWithStatus74(direct: Bool) throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let device = try ScratchDisk.FailingDevice(in: directory)
        defer { device.remove() }
        let port = Self.port()
        let path = directory + "/server.json"
        let logDirectory = device.mountPoint + "/log"
        try ServeProcess.configuration(port: port, logDirectory: logDirectory, segmentSize: direct ? 1 << 20 : nil)
            .write(toFile: path, atomically: true, encoding: .utf8)
        let server = try ServeProcess(config: path, logPath: directory + "/server.log")
        defer { server.stop() }
        #expect(server.waitFor("portlease started"))
        #expect(server.log.contains("direct-writes=\(direct)"), "\(server.log)")
        if !direct { #expect(try ServeProcess.dora(port: port, id: 1), "the disk works before it fails") }
        try device.fail()
        var acknowledged = 0
        for id in 2...20 where server.process.isRunning {
            if try ServeProcess.dora(port: port, id: id) { acknowledged += 1 }
        }
        #expect(server.waitForExit() == 74)
        #expect(acknowledged == 0, "no ACK after the failed sync")
        let log = server.log
        #expect(log.contains("lease log failed; stopping the server"), "\(log)")
        #expect(log.contains("shard=0"), "\(log)")
        #expect(log.contains("file=\(logDirectory)/shard-0/"), "\(log)")
        #expect(log.contains("operation=") && log.contains("errno="), "\(log)")
        #expect(log.contains("exit-status=74") && log.contains("part=shard-0"), "\(log)")
    }

    /// A full disk (write fails with ENOSPC): ACKs are withheld, the disk-full gauge and a log
    /// line say so, and once there is space the pending records are written and ACKs resume,
    /// without a restart.
    @Test(.enabled(if: ScratchDisk.available, "\(ScratchDisk.skipReason)"))
    func aFullDiskWithholdsAcksAndServiceResumesWhenThereIsSpace() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let disk = directory + "/disk"
        try ScratchDisk.mountTmpfs(at: disk, kilobytes: 1024)
        defer { ScratchDisk.unmount(disk) }
        let (holder, metricsPort) = try LoopbackTCP.listen()
        close(holder)  // a free port for the metrics endpoint
        let port = Self.port()
        let path = directory + "/server.json"
        try ServeProcess.configuration(port: port, logDirectory: disk + "/log", metricsPort: metricsPort)
            .write(toFile: path, atomically: true, encoding: .utf8)
        let server = try ServeProcess(config: path, logPath: directory + "/server.log")
        defer { server.stop() }
        #expect(server.waitFor("portlease started"))
        let gauge = #"portlease_log_disk_full{shard="0"}"#
        #expect(LoopbackTCP.get(port: metricsPort)?.contains(gauge + " 0") == true)
        // No room to allocate a 64 MiB segment on this 1 MiB disk: the log writes through the
        // page cache, and its write fails.
        #expect(LoopbackTCP.get(port: metricsPort)?.contains(#"portlease_log_direct_writes{shard="0"} 0"#) == true)
        try ScratchDisk.fill(disk + "/filler")
        // Records fill the segment's last page first; the first write that needs a new page fails.
        var withheld: Int?
        for id in 1...150 where withheld == nil {
            if try !ServeProcess.dora(port: port, id: id) { withheld = id }
        }
        #expect(withheld != nil, "an ACK was withheld once the disk was full")
        #expect(server.waitFor("lease log disk full; ACKs are withheld until there is space"))
        #expect(LoopbackTCP.get(port: metricsPort)?.contains(gauge + " 1") == true)
        try FileManager.default.removeItem(atPath: disk + "/filler")
        #expect(server.waitFor("lease log has space again"))
        #expect(LoopbackTCP.get(port: metricsPort)?.contains(gauge + " 0") == true)
        #expect(try ServeProcess.dora(port: port, id: 1000), "ACKs resume without a restart")
        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.waitForExit() == 0)
    }
}
