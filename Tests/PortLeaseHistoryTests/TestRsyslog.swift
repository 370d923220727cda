import Foundation
import PortLeaseTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A real syslog receiver for the tests: Debian's rsyslogd, started by the test on free local
/// ports (UDP, TCP and a UNIX datagram socket), writing every message it parsed as one JSON
/// line (`%jsonmesg%`, with the structured data parsed into `$!rfc5424-sd` by mmpstrucdata).
/// What it writes is rsyslog's reading of the messages, not ours, so the tests check the
/// format against an independent parser. Stopped by ``stop()``.
final class TestRsyslog: @unchecked Sendable {
    static let executable = "/usr/sbin/rsyslogd"

    /// Why the tests that need it cannot run; nil when they can.
    static var unavailable: String? {
        FileManager.default.isExecutableFile(atPath: executable)
            ? nil : "\(executable) is not installed (apt-get install rsyslog, or scripts/ensure-packages)"
    }

    /// One message as rsyslog parsed it.
    struct Message: Sendable {
        /// `imudp`, `imtcp` or `imuxsock`: how it arrived.
        var input: String
        var priority: String
        var timestamp: String
        var hostname: String
        var application: String
        var processID: String
        var messageID: String
        var structuredData: String
        var text: String
        /// The parameters of each SD-ELEMENT by SD-ID, unescaped by rsyslog.
        var parameters: [String: [String: String]]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    let directory: String
    let udpPort: Int
    let tcpPort: Int
    var socketPath: String { directory + "/log" }
    private var output: String { directory + "/messages.jsonl" }
    private var process: UnmaskedProcess

    private init(directory: String, udpPort: Int, tcpPort: Int, process: UnmaskedProcess) {
        self.directory = directory
        self.udpPort = udpPort
        self.tcpPort = tcpPort
        self.process = process
    }

    /// Starts rsyslogd in the foreground (`-n`) with a configuration of its own.
    static func start() throws -> TestRsyslog {
        let directory = NSTemporaryDirectory() + "rsyslog-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let udpPort = try freePort(SOCK_DGRAM)
        let tcpPort = try freePort(SOCK_STREAM)
        let configuration = """
            global(workDirectory="\(directory)" maxMessageSize="64k")
            module(load="imudp")
            module(load="imtcp")
            module(load="imuxsock" SysSock.Use="off")
            module(load="mmpstrucdata")
            template(name="parsed" type="string" string="%jsonmesg%\\n")
            ruleset(name="received") {
                action(type="mmpstrucdata")
                action(type="omfile" file="\(directory)/messages.jsonl" template="parsed")
            }
            input(type="imudp" address="127.0.0.1" port="\(udpPort)" ruleset="received")
            input(type="imtcp" address="127.0.0.1" port="\(tcpPort)" ruleset="received")
            input(type="imuxsock" socket="\(directory)/log" useSpecialParser="off" parseHostname="on"
                  ignoreTimestamp="off" ruleset="received")

            """
        try configuration.write(toFile: directory + "/rsyslog.conf", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: directory + "/rsyslogd.out", contents: nil)
        return TestRsyslog(directory: directory, udpPort: udpPort, tcpPort: tcpPort, process: try launch(directory))
    }

    /// Spawned with no signal blocked: rsyslogd wakes its input threads with signals, and a
    /// child of a test thread (Foundation's `Process`) inherits a mask that blocks nearly all.
    private static func launch(_ directory: String) throws -> UnmaskedProcess {
        try UnmaskedProcess(
            [executable, "-n", "-f", directory + "/rsyslog.conf", "-i", directory + "/rsyslogd.pid"],
            outputPath: directory + "/rsyslogd.out")
    }

    /// Kills rsyslogd (SIGKILL, as a crash would), keeping its directory for ``relaunch()``.
    func kill() {
        process.signal(SIGKILL)
        _ = process.wait(seconds: 10)
    }

    /// Starts rsyslogd again after ``kill()``: the same ports and socket, appending to the same file.
    func relaunch() throws {
        process = try Self.launch(directory)
    }

    /// Stops rsyslogd (SIGKILL) and removes its directory.
    ///
    /// Not SIGTERM: rsyslogd waits for signals with the signal mask it inherited, and Foundation
    /// spawns it from whichever thread runs the test, which may have SIGTERM blocked; then
    /// SIGTERM never arrives. Everything it parsed is in the file already (omfile writes each
    /// message as it comes).
    func stop() {
        if process.isRunning { kill() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// What rsyslogd printed (for failure messages).
    var diagnostics: String {
        (try? String(contentsOfFile: directory + "/rsyslogd.out", encoding: .utf8)) ?? ""
    }

    /// Every message written so far, in arrival order.
    func messages() throws -> [Message] {
        guard let data = FileManager.default.contents(atPath: output) else { return [] }
        var messages: [Message] = []
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw Failure("not a JSON object: \(String(decoding: line, as: UTF8.self))")
            }
            func field(_ key: String) -> String { object[key] as? String ?? "" }
            let local = object["$!"] as? [String: Any]
            var elements: [String: [String: String]] = [:]
            for (id, element) in local?["rfc5424-sd"] as? [String: Any] ?? [:] {
                elements[id] = (element as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
            }
            messages.append(
                Message(
                    input: field("inputname"), priority: field("pri"), timestamp: field("timereported"),
                    hostname: field("hostname"), application: field("app-name"), processID: field("procid"),
                    messageID: field("msgid"), structuredData: field("structured-data"), text: field("msg"),
                    parameters: elements))
        }
        return messages
    }

    /// Polls ``messages()`` until `done` holds for them, or fails after `seconds` and at least
    /// `seconds` x 20 polls. The count matters on a busy machine: when the whole suite runs on
    /// two cores, blocking tests can hold Swift's cooperative threads for longer than the
    /// deadline, and a test that was not running meanwhile must still get its polls.
    func waitFor(seconds: Int = 30, _ done: ([Message]) -> Bool) async throws -> [Message] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var polls = 0
        while true {
            let messages = try self.messages()
            if done(messages) { return messages }
            polls += 1
            guard ContinuousClock.now < deadline || polls < seconds * 20, process.isRunning else {
                throw Failure(
                    "rsyslog did not receive what was expected; it has \(messages.count) messages; \(diagnostics)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// A port on 127.0.0.1 free for `type` just now (bound to port 0, read back, closed).
    private static func freePort(_ type: __socket_type) throws -> Int {
        let descriptor = socket(AF_INET, Int32(type.rawValue), 0)
        guard descriptor >= 0 else { throw Failure("socket: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw Failure("bind: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
