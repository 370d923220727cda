import Foundation
import Testing

@testable import portlease

/// The control API of a real `portlease serve` (issue 14): its UNIX socket, `portlease status`,
/// JSON errors, and the refusals at start-up.
@Suite struct ControlAPIProcessTests {
    static func port() -> UInt16 { UInt16.random(in: 41_000...49_000) }

    /// A started server in a fresh directory; `body` gets it, its configuration file and directory.
    func withServer(_ body: (ServeProcess, String, String) throws -> Void) throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = Self.port()
        let config = directory + "/server.json"
        try ServeProcess.configuration(port: port, logDirectory: directory + "/log")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let server = try ServeProcess(config: config, logPath: directory + "/server.log")
        defer { server.stop() }
        #expect(server.waitFor("control API listening"), "\(server.log)")
        try body(server, config, directory)
        _ = port
    }

    @Test func statusReportsTheShardsAndMovesWithTraffic() throws {
        try withServer { server, config, directory in
            let before = try CommandLineTests.run(["status", "--config", config, "--json"])
            #expect(before.status == 0, "\(before.errors)")
            let first = try JSONSerialization.jsonObject(with: Data(before.output.utf8)) as? [String: Any]
            #expect(first?["workers"] as? Int == 1)
            #expect(first?["durability"] as? String == "fsync")
            #expect((first?["shards"] as? [[String: Any]])?.first?["acks"] as? Int == 0)
            // One DORA: the shard's ACK and commit counters move.
            let text = try String(contentsOfFile: config, encoding: .utf8)
            let port = try #require(
                text.firstMatch(of: /"port": (\d+)/).flatMap { UInt16($0.output.1) })
            #expect(try ServeProcess.dora(port: port, id: 7))
            let after = try CommandLineTests.run(["status", "--config", config, "--json"])
            let shard = (try JSONSerialization.jsonObject(with: Data(after.output.utf8)) as? [String: Any])
                .flatMap { ($0["shards"] as? [[String: Any]])?.first }
            #expect(shard?["acks"] as? Int == 1)
            #expect((shard?["commits"] as? Int ?? 0) >= 1)
            #expect((shard?["recordsCommitted"] as? Int ?? 0) >= 1)
            // The table for people.
            let table = try CommandLineTests.run(["status", "--config", config])
            #expect(table.status == 0)
            #expect(table.output.contains("1 worker(s), durability fsync"), "\(table.output)")
            _ = (server, directory)
        }
    }

    @Test func theSocketIsReachableOnlyThroughItsPermissions() throws {
        try withServer { _, _, directory in
            let socket = directory + "/log/control/api.sock"
            let socketMode = try FileManager.default.attributesOfItem(atPath: socket)[.posixPermissions] as? Int
            let directoryMode =
                try FileManager.default.attributesOfItem(atPath: directory + "/log/control")[.posixPermissions] as? Int
            #expect(socketMode == 0o660)
            #expect(directoryMode == 0o750)
        }
    }

    @Test func anUnknownOperationGetsAJSONError() throws {
        try withServer { _, _, directory in
            let client = ControlClient(socketPath: directory + "/log/control/api.sock")
            let response = try client.send("GET", "/v1/no-such-thing")
            #expect(response.status == 404)
            let error = (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["error"]
            let reason = (error as? [String: Any])?["reason"] as? String
            #expect(
                reason?.contains("no such operation: GET /v1/no-such-thing") == true, "\(String(describing: reason))")
        }
    }

    @Test func aSecondServerOnTheSameControlSocketIsRefused() throws {
        try withServer { _, _, directory in
            // Another lease log (so the log's lock does not stop it first), the same control socket.
            let other = directory + "/other.json"
            let socket = directory + "/log/control/api.sock"
            let text = ServeProcess.configuration(port: Self.port(), logDirectory: directory + "/log2")
                .replacingOccurrences(
                    of: "\"lease-log\"", with: "\"control\": { \"socket\": \"\(socket)\" }, \"lease-log\"")
            try text.write(toFile: other, atomically: true, encoding: .utf8)
            let second = try ServeProcess(config: other, logPath: directory + "/second.log")
            #expect(second.waitForExit() == 1)
            #expect(second.log.contains("another process answers on it"), "\(second.log)")
            // The first server still answers.
            #expect(try CommandLineTests.run(["status", "--socket", socket]).status == 0)
        }
    }

    @Test func statusWithoutAServerSaysWhy() throws {
        let result = try CommandLineTests.run(["status", "--socket", "/tmp/portlease-no-such-socket"])
        #expect(result.status == 1)
        #expect(result.errors.contains("cannot reach the server's control API"), "\(result.errors)")
    }

    @Test func theParserReadsAContentLengthBody() throws {
        let response = try ControlClient.parse(
            Array("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nX: y\r\n\r\n{}trailing".utf8))
        #expect(response.status == 404)
        #expect(response.body == Array("{}".utf8))
        #expect(throws: ControlClient.Failure.self) { try ControlClient.parse(Array("garbage".utf8)) }
    }
}
