import Testing

@testable import PortLeaseConfiguration

/// The `"history"` section: where holdings are shipped (PostgreSQL) and sent (syslog).
@Suite struct HistoryConfigTests {
    @Test func absentMeansNoShipping() throws {
        #expect(try ServerConfiguration.parse(Samples.document()).history == nil)
    }

    @Test func aDatabaseWithItsDefaults() throws {
        let configuration = try ServerConfiguration.parse(
            Samples.document(
                #""history": { "instance": "pl-east-1", "database": { "host": "db.example.net", "name": "portlease", "user": "pl" } }"#
            ))
        let history = try #require(configuration.history)
        #expect(history.instance == "pl-east-1")
        #expect(
            history.database
                == .init(host: "db.example.net", name: "portlease", user: "pl", passwordFile: nil, tls: "prefer"))
        #expect(history.batchSize == 1000 && history.intervalMilliseconds == 200)
        #expect(history.lagAlarmSeconds == 300 && history.retentionDays == 180)
        #expect(history.syslog == nil)
    }

    @Test func syslogAloneOverEachTransport() throws {
        let udp = try ServerConfiguration.parse(
            Samples.document(#""history": { "instance": "a", "syslog": { "host": "192.0.2.9" } }"#))
        #expect(udp.history?.syslog == .init(transport: .udp, host: "192.0.2.9", port: 514))
        #expect(udp.history?.database == nil)
        let unix = try ServerConfiguration.parse(
            Samples.document(#""history": { "instance": "a", "syslog": { "transport": "unix" } }"#))
        #expect(unix.history?.syslog?.host == "/dev/log")
    }

    @Test func eachMistakeIsNamedAtItsKey() {
        #expect(
            Samples.reasons(
                Samples.document(#""history": { "instance": "a b", "syslog": { "host": "x" } }"#),
                at: "history.instance"
            )
            .first?.contains("letters, digits") == true)
        #expect(
            Samples.reasons(Samples.document(#""history": { "instance": "a" }"#), at: "history")
                .first?.contains("needs \"database\"") == true)
        #expect(
            !Samples.reasons(
                Samples.document(
                    #""history": { "instance": "a", "database": { "host": "h", "name": "n", "user": "u", "tls": "maybe" } }"#
                ),
                at: "history.database.tls"
            ).isEmpty)
        #expect(
            !Samples.reasons(
                Samples.document(#""history": { "instance": "a", "database": { "name": "n", "user": "u" } }"#),
                at: "history.database.host"
            )
            .isEmpty)
        #expect(
            !Samples.reasons(
                Samples.document(#""history": { "instance": "a", "syslog": { "transport": "unix", "host": "h" } }"#),
                at: "history.syslog.host"
            ).isEmpty)
        #expect(
            !Samples.reasons(
                Samples.document(#""history": { "instance": "a", "syslog": { "host": "h" }, "batch-size": 0 }"#),
                at: "history.batch-size"
            )
            .isEmpty)
    }
}
