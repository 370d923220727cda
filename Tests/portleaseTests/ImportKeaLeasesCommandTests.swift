import Foundation
import Testing

/// `portlease import kea-leases` as a process: what it imports and skips, how it refuses a
/// damaged file without writing, and `--skip-bad-rows`.
@Suite struct ImportKeaLeasesCommandTests {
    @Test func importsActiveFullAddressLeasesAndCountsWhatItSkips() throws {
        let directory = try KeaFixture.directory(rows: [
            KeaFixture.row("203.0.113.1", hwaddr: "02:00:00:00:00:01", clientID: "01:02:00:00:00:00:01"),
            KeaFixture.row("203.0.113.2", hwaddr: "02:00:00:00:00:02", expiresIn: -5),
            KeaFixture.row("203.0.113.3", hwaddr: "", state: 1),
            KeaFixture.row("198.51.100.9", hwaddr: "02:00:00:00:00:04"),
            KeaFixture.row("192.0.2.50", hwaddr: "02:00:00:00:00:05"),
            KeaFixture.row("203.0.113.2", hwaddr: "02:00:00:00:00:02", hostname: "a&#x2cb"),
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try KeaFixture.importLeases(directory)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("6 row(s), 5 address(es)"), "\(result.output)")
        #expect(result.output.contains("imported 2 lease(s)"), "\(result.output)")
        #expect(result.output.contains("skipped: declined 1, outside-pools 1, shared-pool 1"), "\(result.output)")
        let listed = try CommandLineTests.run(["leases", "--config", directory + "/portlease.json"])
        let lines = listed.output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(
            lines.first?.hasPrefix("203.0.113.1  full address  id:01:02:00:00:00:00:01  subscriber unknown") == true)
        #expect(lines.last?.hasPrefix("203.0.113.2  full address  hw:01:02:00:00:00:00:02  subscriber unknown") == true)
        // A second run finds both in the log and writes nothing.
        let again = try KeaFixture.importLeases(directory, ["--json"])
        #expect(again.status == 0)
        #expect(again.output.contains("\"address-in-log\":2"), "\(again.output)")
        #expect(again.output.contains("\"imported\":0"), "\(again.output)")
    }

    @Test func aDamagedFileIsRefusedAndTheLogIsLeftByteForByte() throws {
        let directory = try KeaFixture.directory(rows: [
            KeaFixture.row("203.0.113.1", hwaddr: "02:00:00:00:00:01")
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try KeaFixture.importLeases(directory).status == 0)
        let damaged = [
            KeaFixture.header,
            KeaFixture.row("203.0.113.2", hwaddr: "02:00:00:00:00:02"),
            KeaFixture.row("203.0.113.999", hwaddr: "02:00:00:00:00:03"),
            KeaFixture.row("203.0.113.3", hwaddr: "02:zz:00:00:00:03"),
            "203.0.113.3,02:00:00:00:00:03,,3600,soon,1,0,0,,0,",
            "203.0.113.3,02:00:00:00:00:03,,3600",
        ].joined(separator: "\n")
        try damaged.write(toFile: directory + "/damaged.csv", atomically: true, encoding: .utf8)
        let before = KeaFixture.contents(of: directory + "/log")
        let refused = try KeaFixture.importLeases(directory, file: "damaged.csv")
        #expect(refused.status == 1)
        for line in [
            "line 3: address: not an IPv4 address: \"203.0.113.999\"", "line 4: hwaddr: not hex bytes",
            "line 5: expire: not a time", "line 6: 4 columns where the header has 11",
        ] {
            #expect(refused.output.contains(line), "\(refused.output)")
        }
        #expect(refused.errors.contains("refused: 4 damaged row(s); nothing was written"), "\(refused.errors)")
        #expect(KeaFixture.contents(of: directory + "/log") == before)

        let skipped = try KeaFixture.importLeases(directory, ["--skip-bad-rows", "--json"], file: "damaged.csv")
        #expect(skipped.status == 0, "\(skipped.output)")
        #expect(skipped.output.contains("\"imported\":1"), "\(skipped.output)")
        #expect(skipped.output.contains("\"bad-row\":4"), "\(skipped.output)")
        #expect(skipped.output.contains("{\"column\":\"hwaddr\",\"line\":4,"), "\(skipped.output)")
    }

    @Test func aFileWithoutTheNeededColumnsIsRefusedNamingThem() throws {
        let directory = try KeaFixture.directory(rows: [])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "address,hwaddr,valid_lifetime,expire\n203.0.113.1,02:00:00:00:00:01,3600,1\n"
            .write(toFile: directory + "/old.csv", atomically: true, encoding: .utf8)
        let result = try KeaFixture.importLeases(directory, file: "old.csv")
        #expect(result.status == 1)
        #expect(result.errors.contains("the header lacks the columns client_id, state"), "\(result.errors)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/log"))
    }
}
