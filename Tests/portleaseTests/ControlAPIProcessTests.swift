import Foundation
import Testing

@testable import portlease

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The control API of a real `portlease serve` (issue 14): its UNIX socket, `portlease status`,
/// JSON errors, and the refusals at start-up.
@Suite struct ControlAPIProcessTests {
    static func port() -> UInt16 { TestPorts.take() }

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

    /// `value` against schema `name` of Docs/openapi.json: required members present, no member
    /// the schema does not list, and each member of the JSON type it declares (nested objects
    /// and arrays by their `$ref`). Returns the mismatches.
    static func mismatches(_ value: Any, schema name: String, path: String = "") throws -> [String] {
        let document = try JSONSerialization.jsonObject(
            with: Data(contentsOf: CommandLineTests.repository.appendingPathComponent("Docs/openapi.json")))
        let schemas = ((document as? [String: Any])?["components"] as? [String: Any])?["schemas"] as? [String: Any]
        return check(value, try #require(schemas?[name] as? [String: Any]), schemas ?? [:], path)
    }

    private static func check(_ value: Any, _ schema: [String: Any], _ schemas: [String: Any], _ path: String)
        -> [String]
    {
        if let reference = schema["$ref"] as? String,
            let target = schemas[String(reference.split(separator: "/").last!)]
        {
            return check(value, target as? [String: Any] ?? [:], schemas, path)
        }
        switch schema["type"] as? String {
        case "object":
            guard let object = value as? [String: Any] else { return ["\(path): not an object"] }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            var found = ((schema["required"] as? [String]) ?? []).filter { object[$0] == nil }.map {
                "\(path).\($0): missing"
            }
            for (key, member) in object {
                guard let memberSchema = properties[key] as? [String: Any] else {
                    found.append("\(path).\(key): not in the schema")
                    continue
                }
                found += check(member, memberSchema, schemas, "\(path).\(key)")
            }
            return found
        case "array":
            guard let array = value as? [Any] else { return ["\(path): not an array"] }
            return array.enumerated().flatMap {
                check($1, schema["items"] as? [String: Any] ?? [:], schemas, "\(path)[\($0)]")
            }
        // swift-corelibs-foundation decodes JSON numbers and booleans to Int and Bool.
        case "integer": return value is Int ? [] : ["\(path): not an integer"]
        case "boolean": return value is Bool ? [] : ["\(path): not a boolean"]
        case "number": return value is Double || value is Int ? [] : ["\(path): not a number"]
        case "string":
            guard let text = value as? String else { return ["\(path): not a string"] }
            if let allowed = schema["enum"] as? [String], !allowed.contains(text) {
                return ["\(path): \(text) not in \(allowed)"]
            }
            return []
        default: return []
        }
    }

    @Test func responsesMatchTheOpenAPIDocument() throws {
        try withServer { _, _, directory in
            let client = ControlClient(socketPath: directory + "/log/control/api.sock")
            let status = try client.send("GET", "/v1/status")
            #expect(status.status == 200)
            let statusMismatches = try Self.mismatches(
                try JSONSerialization.jsonObject(with: Data(status.body)), schema: "Status")
            #expect(statusMismatches.isEmpty, "\(statusMismatches)")
            let refused = try client.send("POST", "/v1/status")
            #expect((400..<500).contains(refused.status))
            let errorMismatches = try Self.mismatches(
                try JSONSerialization.jsonObject(with: Data(refused.body)), schema: "Error")
            #expect(errorMismatches.isEmpty, "\(errorMismatches)")
        }
    }

    @Test func aClientsLeaseIsLookedUpThroughItsShard() throws {
        try withServer { _, config, directory in
            let text = try String(contentsOfFile: config, encoding: .utf8)
            let port = try #require(text.firstMatch(of: /"port": (\d+)/).flatMap { UInt16($0.output.1) })
            #expect(try ServeProcess.dora(port: port, id: 11))
            // The client as the log knows it, then the same lease from the running engine.
            let listed = try CommandLineTests.run(["leases", "--config", config, "--json"])
            let logged = try #require(
                try JSONSerialization.jsonObject(with: Data(listed.output.split(separator: "\n")[0].utf8))
                    as? [String: Any])
            let client = try #require(logged["client"] as? String)
            let api = ControlClient(socketPath: directory + "/log/control/api.sock")
            let found = try api.send("GET", "/v1/leases?client=\(client)")
            #expect(found.status == 200)
            let body = try JSONSerialization.jsonObject(with: Data(found.body))
            #expect(try Self.mismatches(body, schema: "LeaseList").isEmpty)
            let lease = try #require(((body as? [String: Any])?["leases"] as? [[String: Any]])?.first)
            #expect(lease["address"] as? String == logged["address"] as? String)
            #expect(lease["psid"] as? Int == logged["psid"] as? Int)
            #expect(lease["state"] as? String == "bound")
            #expect(lease["client"] as? String == client)
            #expect((lease["ports"] as? [String])?.count == 63, "a PSID of length 6 at offset 6: 63 ranges")
            // The same through the CLI.
            let shown = try CommandLineTests.run(["lease", "show", "--config", config, "--client", client])
            #expect(shown.status == 0, "\(shown.errors)")
            #expect(shown.output.hasPrefix("\(logged["address"] as? String ?? "?")  psid "), "\(shown.output)")
            #expect(shown.output.contains(" bound until "), "\(shown.output)")
            let missing = try CommandLineTests.run(["lease", "show", "--config", config, "--client", "id:ffff"])
            #expect(missing.status == 1)
            #expect(missing.errors.contains("id:ffff has no lease or offer"), "\(missing.errors)")
            // Nobody else holds a lease; malformed keys are refused naming the field.
            let nobody = try api.send("GET", "/v1/leases?client=id:ffff")
            #expect(nobody.status == 200)
            #expect(String(decoding: nobody.body, as: UTF8.self) == #"{"leases":[]}"#)
            for bad in ["/v1/leases", "/v1/leases?client=zz:00", "/v1/leases?client=id:xyz"] {
                let refused = try api.send("GET", bad)
                #expect(refused.status == 400, "\(bad)")
                let error = (try JSONSerialization.jsonObject(with: Data(refused.body)) as? [String: Any])?["error"]
                #expect((error as? [String: Any])?["field"] as? String == "client", "\(bad)")
            }
        }
    }

    @Test func forceReleaseEndsTheLeaseDurablyAndTraceNamesIt() throws {
        try withServer { _, config, directory in
            let text = try String(contentsOfFile: config, encoding: .utf8)
            let port = try #require(text.firstMatch(of: /"port": (\d+)/).flatMap { UInt16($0.output.1) })
            #expect(try ServeProcess.dora(port: port, id: 31))
            let listed = try CommandLineTests.run(["leases", "--config", config, "--json"])
            let logged = try #require(
                try JSONSerialization.jsonObject(with: Data(listed.output.split(separator: "\n")[0].utf8))
                    as? [String: Any])
            let client = try #require(logged["client"] as? String)
            let address = try #require(logged["address"] as? String)
            let psid = try #require(logged["psid"] as? Int)
            let deleted = try CommandLineTests.run(["lease", "delete", "--config", config, "--client", client])
            #expect(deleted.status == 0, "\(deleted.errors)")
            #expect(deleted.output.hasPrefix("released \(address)  psid \(psid)/6"), "\(deleted.output)")
            // Gone from the engine, and from the committed log: the answer waited for the record.
            let shown = try CommandLineTests.run(["lease", "show", "--config", config, "--client", client])
            #expect(shown.status == 1)
            let after = try CommandLineTests.run(["leases", "--config", config, "--json"])
            #expect(after.output.isEmpty, "\(after.output)")
            let now = Int(Date().timeIntervalSince1970) - 1
            let trace = try CommandLineTests.run([
                "trace", "--config", config, "--address", address, "--port", "\(1024 + 16 * psid)", "--at", "\(now)",
                "--until", "\(now + 5)",
            ])
            #expect(trace.output.contains("(forced-release)"), "\(trace.output) \(trace.errors)")
            // The same question through the API.
            let api = ControlClient(socketPath: directory + "/log/control/api.sock")
            let traced = try api.send(
                "GET", "/v1/trace?address=\(address)&port=\(1024 + 16 * psid)&at=\(now)&until=\(now + 5)")
            #expect(traced.status == 200)
            let traceBody = try JSONSerialization.jsonObject(with: Data(traced.body))
            #expect(try Self.mismatches(traceBody, schema: "Trace").isEmpty)
            let holding = try #require(((traceBody as? [String: Any])?["holdings"] as? [[String: Any]])?.first)
            #expect(holding["ended"] as? String == "forced-release" && holding["client"] as? String == client)
            for bad in ["address=x&port=1&at=1", "address=\(address)&at=1", "address=\(address)&port=1&at=never"] {
                #expect(Self.refusalField(try api.send("GET", "/v1/trace?\(bad)")) != nil, "\(bad)")
            }
            // A second release finds nothing: 404 naming the client.
            let again = try api.send("DELETE", "/v1/leases?client=\(client)")
            #expect(again.status == 404)
            let error = (try JSONSerialization.jsonObject(with: Data(again.body)) as? [String: Any])?["error"]
            #expect(((error as? [String: Any])?["reason"] as? String)?.contains("holds no bound lease") == true)
            let wrong = try api.send("PUT", "/v1/leases?client=\(client)")
            #expect(wrong.status == 405)
        }
    }

    /// The `field` of a 400's JSON error, nil for any other answer.
    static func refusalField(_ response: ControlClient.Response) -> String? {
        guard response.status == 400 else { return nil }
        let error = (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["error"]
        return (error as? [String: Any])?["field"] as? String
    }

    /// One HTTP request to the TCP listener: status, `Allow` and `WWW-Authenticate`, body.
    static func tcp(_ method: String, _ url: String, token: String?) async throws
        -> (status: Int, allow: String?, authenticate: String?, body: Data)
    {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return (
            http.statusCode, http.value(forHTTPHeaderField: "Allow"),
            http.value(forHTTPHeaderField: "WWW-Authenticate"), data
        )
    }

    @Test func theTCPListenerWantsItsBearerToken() async throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "s3cret-token\n".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        let config = directory + "/server.json"
        try ServeProcess.configuration(port: Self.port(), logDirectory: directory + "/log")
            .replacingOccurrences(
                of: "\"lease-log\"",
                with:
                    "\"control\": { \"listen\": \"127.0.0.1:0\", \"token-file\": \"\(directory)/token\" }, \"lease-log\""
            )
            .write(toFile: config, atomically: true, encoding: .utf8)
        let server = try ServeProcess(config: config, logPath: directory + "/server.log")
        defer { server.stop() }
        #expect(server.waitFor("token=required"), "\(server.log)")
        let port = try #require(server.log.firstMatch(of: /tcp=127\.0\.0\.1:(\d+)/).map { String($0.output.1) })
        let base = "http://127.0.0.1:\(port)/v1"
        let anonymous = try await Self.tcp("GET", base + "/status", token: nil)
        #expect(anonymous.status == 401)
        #expect(anonymous.authenticate == "Bearer")
        #expect(try Self.mismatches(try JSONSerialization.jsonObject(with: anonymous.body), schema: "Error").isEmpty)
        #expect(try await Self.tcp("GET", base + "/status", token: "wrong").status == 401)
        let allowed = try await Self.tcp("GET", base + "/status", token: "s3cret-token")
        #expect(allowed.status == 200)
        #expect(try Self.mismatches(try JSONSerialization.jsonObject(with: allowed.body), schema: "Status").isEmpty)
        let wrongMethod = try await Self.tcp("DELETE", base + "/status", token: "s3cret-token")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.allow == "GET")
        // The UNIX socket needs no token: its file permissions are its access control.
        #expect(
            try ControlClient(socketPath: directory + "/log/control/api.sock").send("GET", "/v1/status").status == 200)
    }

    @Test func poolsShowWhatIsUsedAgainstTheAlarm() throws {
        try withServer { _, config, directory in
            let text = try String(contentsOfFile: config, encoding: .utf8)
            let port = try #require(text.firstMatch(of: /"port": (\d+)/).flatMap { UInt16($0.output.1) })
            #expect(try ServeProcess.dora(port: port, id: 21))
            #expect(try ServeProcess.dora(port: port, id: 22))
            let api = ControlClient(socketPath: directory + "/log/control/api.sock")
            let response = try api.send("GET", "/v1/pools")
            #expect(response.status == 200)
            let body = try JSONSerialization.jsonObject(with: Data(response.body))
            #expect(try Self.mismatches(body, schema: "Pools").isEmpty)
            let pool = try #require(((body as? [String: Any])?["pools"] as? [[String: Any]])?.first)
            #expect(pool["name"] as? String == "map")
            #expect(pool["kind"] as? String == "shared")
            #expect(pool["alarmed"] as? Bool == false)
            let sets = try #require((pool["portSets"] as? [[String: Any]])?.first { $0["psidLength"] as? Int == 6 })
            #expect(sets["used"] as? Int == 2, "two clients hold a port set each")
            #expect(sets["free"] as? Int == 256 * 64 - 2)
            let printed = try CommandLineTests.run(["pools", "--config", config])
            #expect(printed.status == 0, "\(printed.errors)")
            #expect(printed.output.contains("map (shared): "), "\(printed.output)")
            #expect(printed.output.contains("psid-length 6: 2 used, 16382 free"), "\(printed.output)")
            #expect(pool["offersOutstanding"] as? Int == 0)
            // A DISCOVER with no REQUEST: one offer outstanding, holding its port set.
            let offered = try CommandLineTests.run([
                "client", "--server", "::1", "--port", "\(port)", "--id", "23", "--offer-only",
            ])
            #expect(offered.output.contains("offer: "), "\(offered.output) \(offered.errors)")
            #expect(
                ServeProcess.poll(seconds: 5) {
                    let pools = try? JSONSerialization.jsonObject(with: Data(api.send("GET", "/v1/pools").body))
                    let first = ((pools as? [String: Any])?["pools"] as? [[String: Any]])?.first
                    return first?["offersOutstanding"] as? Int == 1
                })
            #expect(try CommandLineTests.run(["pools", "--config", config]).output.contains("offers outstanding 1"))
        }
    }

    @Test func aPostedConfigurationIsCheckedNotApplied() throws {
        try withServer { _, config, directory in
            let api = ControlClient(socketPath: directory + "/log/control/api.sock")
            let json = ["Content-Type: application/json"]
            let good = try api.send(
                "POST", "/v1/config/test", body: Array(try String(contentsOfFile: config, encoding: .utf8).utf8),
                headers: json)
            #expect(good.status == 200)
            let goodBody = try JSONSerialization.jsonObject(with: Data(good.body))
            #expect(try Self.mismatches(goodBody, schema: "ConfigTest").isEmpty)
            #expect((goodBody as? [String: Any])?["valid"] as? Bool == true)
            let bad = try api.send(
                "POST", "/v1/config/test",
                body: Array(
                    #"{ "server-id": "192.0.2.1", "lease-log": { "directory": "/x" }, "workers": 0, "pools": [] }"#.utf8
                ),
                headers: json)
            let badBody = try #require(try JSONSerialization.jsonObject(with: Data(bad.body)) as? [String: Any])
            #expect(badBody["valid"] as? Bool == false)
            let paths = (badBody["problems"] as? [[String: Any]])?.compactMap { $0["keyPath"] as? String } ?? []
            #expect(paths.contains("workers"), "\(paths)")
            let garbage = try api.send("POST", "/v1/config/test", body: Array("{ nope".utf8), headers: json)
            let garbageBody = try JSONSerialization.jsonObject(with: Data(garbage.body)) as? [String: Any]
            #expect(garbageBody?["valid"] as? Bool == false)
            #expect(try api.send("POST", "/v1/config/test", body: Array("{}".utf8)).status == 415)
            let huge = try api.send(
                "POST", "/v1/config/test", body: [UInt8](repeating: 32, count: (1 << 20) + 1024), headers: json)
            #expect(huge.status == 413)
            // Nothing was applied: the server still runs its own configuration.
            #expect(try api.send("GET", "/v1/status").status == 200)
            // The CLI posts a file the same way.
            let checked = try CommandLineTests.run(["config", "test", config, "--config", config])
            #expect(checked.status == 0, "\(checked.errors)")
            #expect(checked.output.contains("OK"), "\(checked.output)")
        }
    }
}

/// Force release while clients keep binding (issue 14): no (address, PSID) is ever held twice,
/// and each release is in the log.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
struct ForceReleaseUnderLoadTests {
    @Test func releasesBesideAStreamOfBindingsLeaveNoDuplicateAndAreLogged() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = ControlAPIProcessTests.port()
        let config = directory + "/server.json"
        // One /26 of 64 port sets per address (4,096 in all) for 3,000 subscribers: released
        // port sets are soon handed out again.
        try """
        { "server-id": "192.0.2.1", "listen": { "addresses": ["::1"], "port": \(port) },
          "dhcp4o6-server-addresses": ["::1"], "workers": 2, "limits": { "discover-rate": "off" },
          "lease-log": { "directory": "\(directory)/log", "durability": "none" },
          "pools": [ { "name": "map", "addresses": ["198.51.100.0/26"], "shared": { "psid-length": 6 } } ] }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try ServeProcess(config: config, logPath: directory + "/server.log")
        defer { server.stop() }
        #expect(server.waitFor("control API listening"), "\(server.log)")
        let load = Process()
        load.executableURL = URL(fileURLWithPath: DiscoverFloodProcessTests.perf)
        load.arguments = [
            "--port", "\(port)", "--quiet", "--scenario", "dora", "--subscribers", "3000", "--rate", "1500",
            "--duration", "4",
        ]
        load.standardOutput = FileHandle.nullDevice
        try load.run()
        let api = ControlClient(socketPath: directory + "/log/control/api.sock")
        var released: [(address: String, psid: Int)] = []
        while load.isRunning && released.count < 40 {
            let listed = try CommandLineTests.run(["leases", "--config", config, "--json"])
            for line in listed.output.split(separator: "\n").prefix(5) {
                guard let lease = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let client = lease["client"] as? String, let address = lease["address"] as? String,
                    let psid = lease["psid"] as? Int
                else { continue }
                let answer = try api.send("DELETE", "/v1/leases?client=\(client)")
                #expect(answer.status == 200 || answer.status == 404, "\(answer.status)")
                if answer.status == 200 { released.append((address, psid)) }
            }
        }
        load.waitUntilExit()
        #expect(released.count >= 10, "only \(released.count) releases while the load ran")
        // The live leases, as the log has them: every (address, PSID) at most once.
        let live = try CommandLineTests.run(["leases", "--config", config, "--json"])
        let tuples = live.output.split(separator: "\n").compactMap { line -> String? in
            guard let lease = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            return "\(lease["address"] ?? "") \(lease["psid"] ?? "")"
        }
        #expect(tuples.count > 100)
        #expect(Set(tuples).count == tuples.count, "a tuple is held twice")
        // Each release is in the log: the trace of its port set over the run names it.
        let now = Int(Date().timeIntervalSince1970)
        for (address, psid) in released.prefix(5) {
            let trace = try CommandLineTests.run([
                "trace", "--config", config, "--address", address, "--port", "\(1024 + 16 * psid)",
                "--at", "\(now - 60)", "--until", "\(now + 1)",
            ])
            #expect(trace.output.contains("(forced-release)"), "\(address) psid \(psid): \(trace.output)")
        }
    }
}
