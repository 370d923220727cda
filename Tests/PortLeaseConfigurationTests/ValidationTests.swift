import PortLeaseConfiguration
import Testing

/// Every kind of problem is reported at the right key path, all of them at once.
@Suite struct ValidationTests {
    /// A document that should produce a problem at `keyPath` whose reason contains `reason`.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var keyPath: String
        var reason: String
        var testDescription: String { name }

        init(_ name: String, _ text: String, _ keyPath: String, _ reason: String) {
            self.name = name
            self.text = text
            self.keyPath = keyPath
            self.reason = reason
        }
    }

    static let topLevel: [Case] = [
        Case(
            "missing server-id",
            #"{ "lease-log": { "directory": "/x" }, "pools": [{ "name": "p", "addresses": ["198.51.100.0/24"] }] }"#,
            "server-id", "is required"),
        Case(
            "server-id not IPv4",
            Samples.document(#""server-id": "192.0.2""#).replacing(#""server-id": "192.0.2.1","#, with: ""),
            "server-id", "not an IPv4 address"),
        Case(
            "server-id leased", Samples.document(pools: #"{ "name": "p", "addresses": ["192.0.2.0/30"] }"#),
            "server-id", "is leased by pool \"p\""),
        Case(
            "missing lease-log",
            #"{ "server-id": "192.0.2.1", "pools": [{ "name": "p", "addresses": ["198.51.100.0/24"] }] }"#, "lease-log",
            "is required"),
        Case(
            "missing pools", #"{ "server-id": "192.0.2.1", "lease-log": { "directory": "/x" } }"#, "pools",
            "is required"),
        Case(
            "no pools", #"{ "server-id": "192.0.2.1", "lease-log": { "directory": "/x" }, "pools": [] }"#, "pools",
            "at least one pool"),
        Case("document not an object", "[1, 2]", "", "expected an object, found an array"),
        Case("workers 0", Samples.document(#""workers": 0"#), "workers", "0 is outside 1...64"),
        Case("workers 65", Samples.document(#""workers": 65"#), "workers", "65 is outside 1...64"),
        Case("workers fractional", Samples.document(#""workers": 2.5"#), "workers", "expected an integer, found 2.5"),
        Case("workers huge", Samples.document(#""workers": 123456789012345678901234"#), "workers", "is outside 1...64"),
        Case("workers string", Samples.document(#""workers": "2""#), "workers", "expected an integer, found a string"),
        Case("queue-depth 0", Samples.document(#""queue-depth": 0"#), "queue-depth", "outside"),
        Case(
            "listen port", Samples.document(#""listen": { "port": 65536 }"#), "listen.port",
            "65536 is outside 0...65535"),
        Case(
            "listen negative port", Samples.document(#""listen": { "port": -1 }"#), "listen.port",
            "-1 is outside 0...65535"),
        Case(
            "listen address", Samples.document(#""listen": { "addresses": ["2001:db8::g"] }"#), "listen.addresses[0]",
            "not an IPv6 address"),
        Case(
            "listen no address", Samples.document(#""listen": { "addresses": [] }"#), "listen.addresses",
            "at least one address"),
        Case(
            "listen duplicate address", Samples.document(#""listen": { "addresses": ["::1", "0::1"] }"#),
            "listen.addresses[1]", "repeats"),
        Case(
            "listen interface", Samples.document(#""listen": { "interfaces": ["a-very-long-interface-name"] }"#),
            "listen.interfaces[0]", "not an interface name"),
        Case(
            "listen not an object", Samples.document(#""listen": ["::"]"#), "listen",
            "expected an object, found an array"),
        Case(
            "4o6 address", Samples.document(#""dhcp4o6-server-addresses": ["2001:db8::1", "fe80::1%eth0"]"#),
            "dhcp4o6-server-addresses[1]", "not an IPv6 address"),
        Case("duid not hex", Samples.document(#""server-duid": "00:03:zz""#), "server-duid", "is not hex"),
        Case("duid too short", Samples.document(#""server-duid": "0003""#), "server-duid", "3 to 130 bytes"),
        Case(
            "durability",
            Samples.document(#""lease-log": { "directory": "/x", "durability": "fsnyc" }"#).replacing(
                #""lease-log": { "directory": "/tmp/portlease-test" },"#, with: ""), "lease-log.durability",
            #"did you mean "fsync"?"#),
        Case(
            "lease-log directory missing",
            Samples.document(#""lease-log": { "durability": "none" }"#).replacing(
                #""lease-log": { "directory": "/tmp/portlease-test" },"#, with: ""), "lease-log.directory",
            "is required"),
        Case(
            "history-days 0",
            Samples.document(#""lease-log": { "directory": "/x", "history-days": 0 }"#).replacing(
                #""lease-log": { "directory": "/tmp/portlease-test" },"#, with: ""), "lease-log.history-days", "outside"
        ),
        Case(
            "segment-size small",
            Samples.document(#""lease-log": { "directory": "/x", "segment-size": 100 }"#).replacing(
                #""lease-log": { "directory": "/tmp/portlease-test" },"#, with: ""), "lease-log.segment-size", "outside"
        ),
        Case(
            "direct-writes not a flag",
            Samples.document(#""lease-log": { "directory": "/x", "direct-writes": "no" }"#).replacing(
                #""lease-log": { "directory": "/tmp/portlease-test" },"#, with: ""), "lease-log.direct-writes",
            "expected true or false"),
        Case(
            "compaction-interval too short",
            Samples.document(#""lease-log": { "directory": "/x", "compaction-interval": 0 }"#).replacing(
                #""lease-log": { "directory": "/tmp/portlease-test" },"#, with: ""), "lease-log.compaction-interval",
            "outside"),
        Case(
            "metrics not host:port", Samples.document(#""metrics": { "listen": "9547" }"#), "metrics.listen",
            "must be \"address:port\""),
        Case(
            "metrics bad host", Samples.document(#""metrics": { "listen": "localhost:9547" }"#), "metrics.listen",
            "must be \"address:port\""),
        Case(
            "metrics bare v6", Samples.document(#""metrics": { "listen": "::1:9547" }"#), "metrics.listen",
            "in brackets"),
        Case(
            "metrics bad port", Samples.document(#""metrics": { "listen": "127.0.0.1:70000" }"#), "metrics.listen",
            "0...65535"),
        Case(
            "metrics bad v6", Samples.document(#""metrics": { "listen": "[::g]:9547" }"#), "metrics.listen",
            "not an IPv6 address"),
        Case("log-level", Samples.document(#""log-level": "verbose""#), "log-level", "is not one of"),
        Case(
            "subscriber-key", Samples.document(#""limits": { "subscriber-key": "remote_id" }"#),
            "limits.subscriber-key", #"did you mean "remote-id"?"#),
        Case(
            "subscriber-key length", Samples.document(#""limits": { "subscriber-key": "client-prefix/129" }"#),
            "limits.subscriber-key", "1...128"),
        Case(
            "subscriber-key without length", Samples.document(#""limits": { "subscriber-key": "client-prefix" }"#),
            "limits.subscriber-key", "needs a prefix length"),
        Case(
            "limit without key", Samples.document(#""limits": { "leases-per-subscriber": 4 }"#),
            "limits.leases-per-subscriber", "has no effect"),
        Case(
            "limit 0", Samples.document(#""limits": { "leases-per-subscriber": 0, "subscriber-key": "remote-id" }"#),
            "limits.leases-per-subscriber", "outside"),
        Case("offer-lifetime 0", Samples.document(#""offer-lifetime": 0"#), "offer-lifetime", "outside"),
        Case("repeated key", Samples.document(#""workers": 2, "workers": 3"#), "workers", "appears more than once"),
    ]

    static let pools: [Case] = [
        Case(
            "pool name missing", Samples.document(pools: #"{ "addresses": ["198.51.100.0/24"] }"#), "pools[0].name",
            "is required"),
        Case(
            "pool name characters", Samples.document(pools: #"{ "name": "a pool", "addresses": ["198.51.100.0/24"] }"#),
            "pools[0].name", "letters, digits"),
        Case("addresses missing", Samples.document(pools: #"{ "name": "p" }"#), "pools[0].addresses", "is required"),
        Case("addresses empty", Samples.pool("", addresses: "[]"), "pools[0].addresses", "at least one"),
        Case(
            "range text", Samples.pool("", addresses: #"["198.51.100.0-"]"#), "pools[0].addresses[0]",
            "is not an address range"),
        Case(
            "range garbage", Samples.pool("", addresses: #"["pool"]"#), "pools[0].addresses[0]",
            "is not an address range"),
        Case(
            "range reversed", Samples.pool("", addresses: #"["198.51.100.9-198.51.100.1"]"#), "pools[0].addresses[0]",
            "is reversed"),
        Case("prefix length", Samples.pool("", addresses: #"["198.51.100.0/33"]"#), "pools[0].addresses[0]", "0...32"),
        Case(
            "prefix host bits", Samples.pool("", addresses: #"["198.51.100.1/24"]"#), "pools[0].addresses[0]",
            #"did you mean "198.51.100.0/24"?"#),
        Case(
            "ranges overlap in a pool", Samples.pool("", addresses: #"["198.51.100.0/24", "198.51.100.7"]"#),
            "pools[0].addresses[1]", "overlaps 198.51.100.0-198.51.100.255 of the same pool"),
        Case("valid-lifetime 0", Samples.pool(#""valid-lifetime": 0"#), "pools[0].valid-lifetime", "0 is outside"),
        Case(
            "T1 >= T2", Samples.pool(#""valid-lifetime": 3600, "renew-timer": 3000, "rebind-timer": 3000"#),
            "pools[0].renew-timer", "must be below rebind-timer (3000)"),
        Case(
            "T1 >= default T2", Samples.pool(#""valid-lifetime": 3600, "renew-timer": 3200"#), "pools[0].renew-timer",
            "default rebind-timer"),
        Case(
            "T2 >= lifetime", Samples.pool(#""valid-lifetime": 3600, "rebind-timer": 3600"#), "pools[0].rebind-timer",
            "must be below valid-lifetime (3600)"),
        Case("shared and full", Samples.pool(#""shared": {}, "full": {}"#), "pools[0]", "both \"shared\" and \"full\""),
        Case(
            "psid-offset 16", Samples.pool(#""shared": { "psid-offset": 16 }"#), "pools[0].shared.psid-offset",
            "16 is outside 0...15"),
        Case(
            "psid-length 11", Samples.pool(#""shared": { "psid-length": 11 }"#), "pools[0].shared.psid-length",
            "11 is outside 0...10"),
        Case(
            "psid-length-max 11", Samples.pool(#""shared": { "psid-length-max": 11 }"#),
            "pools[0].shared.psid-length-max", "11 is outside 0...10"),
        Case(
            "offset + length > 16", Samples.pool(#""shared": { "psid-offset": 8, "psid-length": 9 }"#),
            "pools[0].shared.psid-length", "17 bits"),
        Case(
            "offset + max > 16",
            Samples.pool(#""shared": { "psid-offset": 10, "psid-length": 6, "psid-length-max": 8 }"#),
            "pools[0].shared.psid-length-max", "psid-offset 10 + psid-length-max 8 = 18 bits"),
        Case(
            "min > default", Samples.pool(#""shared": { "psid-length-min": 7, "psid-length-max": 8 }"#),
            "pools[0].shared.psid-length-min", "7 is above psid-length (default 6)"),
        Case(
            "default > max", Samples.pool(#""shared": { "psid-length": 6, "psid-length-max": 5 }"#),
            "pools[0].shared.psid-length-max", "5 is below psid-length 6"),
        Case(
            "reserved reversed", Samples.pool(#""shared": { "reserved-ports": ["1023-0"] }"#),
            "pools[0].shared.reserved-ports[0]", "is reversed"),
        Case(
            "reserved outside", Samples.pool(#""shared": { "reserved-ports": ["0-65536"] }"#),
            "pools[0].shared.reserved-ports[0]", "outside 0-65535"),
        Case(
            "reserved number outside", Samples.pool(#""shared": { "reserved-ports": [70000] }"#),
            "pools[0].shared.reserved-ports[0]", "outside 0...65535"),
        Case(
            "reserved text", Samples.pool(#""shared": { "reserved-ports": ["low"] }"#),
            "pools[0].shared.reserved-ports[0]", "not a port range"),
        Case(
            "reserved leaves nothing",
            Samples.pool(
                #""shared": { "psid-offset": 0, "psid-length": 2, "reserved-ports": ["0-1023", "16384", "32768", "49152"] }"#
            ), "pools[0].shared.reserved-ports", "every port set touches a reserved port"),
        Case(
            "length rule above 6",
            Samples.pool(
                #""shared": { "psid-offset": 6, "psid-length": 8, "psid-length-min": 1, "psid-length-max": 8 }"#),
            "pools[0].shared.psid-length-min", "at least psid-length-max - 6"),
        Case(
            "pool too large",
            Samples.pool(#""shared": { "psid-offset": 0, "psid-length": 10 }"#, addresses: #"["10.0.0.0/8"]"#),
            "pools[0].addresses", "more than the"),
        Case(
            "search-order", Samples.pool(#""search-order": "randon""#), "pools[0].search-order",
            #"did you mean "random"?"#),
        Case("search-seed without random", Samples.pool(#""search-seed": 1"#), "pools[0].search-seed", "only used"),
        Case(
            "client prefix", Samples.pool(#""match": { "client-prefixes": ["2001:db8:100::/129"] }"#),
            "pools[0].match.client-prefixes[0]", "0...128"),
        Case(
            "client prefix bits", Samples.pool(#""match": { "client-prefixes": ["2001:db8:100::1/40"] }"#),
            "pools[0].match.client-prefixes[0]", #"did you mean "2001:db8:100::/40"?"#),
        Case(
            "link address", Samples.pool(#""match": { "link-addresses": ["2001:db8:::/48"] }"#),
            "pools[0].match.link-addresses[0]", "not an IPv6 prefix"),
        Case(
            "interface-id hex", Samples.pool(#""match": { "interface-ids": ["0x0a0"] }"#),
            "pools[0].match.interface-ids[0]", "even number of hex digits"),
        Case(
            "empty criteria", Samples.pool(#""match": { "interfaces": [] }"#), "pools[0].match.interfaces", "is empty"),
        Case(
            "subnet mask", Samples.pool(#""options": { "subnet-mask": "255.0.255.0" }"#),
            "pools[0].options.subnet-mask", "not a netmask"),
        Case(
            "router", Samples.pool(#""options": { "routers": ["198.51.100.256"] }"#), "pools[0].options.routers[0]",
            "not an IPv4 address"),
        Case(
            "mtu", Samples.pool(#""options": { "interface-mtu": 67 }"#), "pools[0].options.interface-mtu",
            "outside 68...65535"),
        Case(
            "domain name", Samples.pool(#""options": { "domain-name": "exa mple.net" }"#),
            "pools[0].options.domain-name", "not a domain name"),
        Case(
            "always-send unknown name", Samples.pool(#""options": { "always-send": ["router"] }"#),
            "pools[0].options.always-send[0]", #"did you mean "routers"?"#),
        Case(
            "always-send unconfigured", Samples.pool(#""options": { "always-send": [26] }"#),
            "pools[0].options.always-send[0]", "not configured"),
        Case(
            "raw named code", Samples.pool(#""options": { "raw": [{ "code": 3, "hex": "c0000201" }] }"#),
            "pools[0].options.raw[0].code", #"use "routers""#),
        Case(
            "raw engine code", Samples.pool(#""options": { "raw": [{ "code": 51, "hex": "00000e10" }] }"#),
            "pools[0].options.raw[0].code", "written by the server"),
        Case(
            "raw code range", Samples.pool(#""options": { "raw": [{ "code": 255, "hex": "00" }] }"#),
            "pools[0].options.raw[0].code", "outside 1...254"),
        Case(
            "raw both", Samples.pool(#""options": { "raw": [{ "code": 252, "hex": "00", "text": "x" }] }"#),
            "pools[0].options.raw[0]", "exactly one of"),
        Case(
            "raw hex", Samples.pool(#""options": { "raw": [{ "code": 252, "hex": "0g" }] }"#),
            "pools[0].options.raw[0].hex", "is not hex"),
        Case(
            "raw twice",
            Samples.pool(#""options": { "raw": [{ "code": 252, "text": "a" }, { "code": 252, "text": "b" }] }"#),
            "pools[0].options.raw[1].code", "already given"),
    ]

    @Test(arguments: topLevel + pools) func reportsTheProblemAtItsKeyPath(_ test: Case) {
        let problems = Samples.problems(test.text)
        #expect(
            problems.contains { $0.keyPath == test.keyPath && $0.reason.contains(test.reason) },
            "expected \(test.keyPath): …\(test.reason)…, got \(problems)")
    }

    @Test func overlappingPoolsNameBoth() {
        let text = Samples.document(
            pools: #"""
                { "name": "first", "addresses": ["198.51.100.0/24"] },
                { "name": "second", "addresses": ["203.0.113.0/24", "198.51.100.128/25"] }
                """#)
        #expect(
            Samples.problems(text) == [
                ConfigurationProblem(
                    keyPath: "pools[1].addresses[1]",
                    reason: "198.51.100.128-198.51.100.255 of pool \"second\" overlaps 198.51.100.0-198.51.100.255 "
                        + "of pool \"first\" (pools[0].addresses[0])")
            ])
    }

    @Test func duplicatePoolNames() {
        let text = Samples.document(
            pools: #"""
                { "name": "p", "addresses": ["198.51.100.0/24"] }, { "name": "p", "addresses": ["203.0.113.0/24"] }
                """#)
        #expect(Samples.reasons(text, at: "pools[1].name") == [#""p" is already the name of pools[0]"#])
    }

    @Test func unknownKeysAtEveryLevelWithSuggestions() {
        let text = Samples.document(
            #"""
            "wrokers": 2, "listen": { "prot": 547 }, "lease_log": {}, "limits": { "subscriber-keys": "none" },
            "metrics": { "address": "127.0.0.1:9547" }
            """#,
            pools: #"""
                { "name": "p", "addresses": ["198.51.100.0/24"], "valid-lifetme": 60,
                  "shared": { "psid-ofset": 6, "reserved": ["0-1023"] }, "match": { "client-prefix": [] },
                  "options": { "dns": ["192.0.2.53"], "raw": [{ "code": 252, "hex": "00", "txt": "a" }] } }
                """#)
        let problems = Samples.problems(text)
        let expected: [(String, String)] = [
            ("wrokers", #"unknown key (did you mean "workers"?)"#),
            ("listen.prot", #"unknown key (did you mean "port"?)"#),
            ("lease_log", #"unknown key (did you mean "lease-log"?)"#),
            ("limits.subscriber-keys", #"unknown key (did you mean "subscriber-key"?)"#),
            ("metrics.address", "unknown key"),
            ("pools[0].valid-lifetme", #"unknown key (did you mean "valid-lifetime"?)"#),
            ("pools[0].shared.psid-ofset", #"unknown key (did you mean "psid-offset"?)"#),
            ("pools[0].shared.reserved", "unknown key"),
            ("pools[0].match.client-prefix", #"unknown key (did you mean "client-prefixes"?)"#),
            ("pools[0].options.dns", "unknown key"),
            ("pools[0].options.raw[0].txt", #"unknown key (did you mean "text"?)"#),
        ]
        for (keyPath, reason) in expected {
            #expect(
                problems.contains(ConfigurationProblem(keyPath: keyPath, reason: reason)), "\(keyPath) in \(problems)")
        }
    }

    @Test func severalProblemsAreAllReported() {
        let text = #"""
            {
              "workers": 0,
              "listen": { "port": 70000, "addresses": ["::1", "nope"] },
              "lease-log": { "directory": "/x", "durability": "always" },
              "metrics": { "listen": "127.0.0.1" },
              "pools": [
                { "name": "a", "addresses": ["198.51.100.0/24"], "valid-lifetime": 0,
                  "shared": { "psid-offset": 12, "psid-length": 6 } },
                { "name": "a", "addresses": ["198.51.100.200-198.51.100.100"] },
                { "name": "b", "addresses": ["198.51.100.64/26"], "shared": { "reserved-ports": ["2000-1000"] } }
              ]
            }
            """#
        let keyPaths = Samples.problems(text).map(\.keyPath)
        #expect(
            keyPaths == [
                "server-id", "listen.addresses[1]", "listen.port", "workers", "lease-log.durability", "metrics.listen",
                "pools[0].valid-lifetime", "pools[0].shared.psid-length", "pools[1].addresses[0]",
                "pools[2].shared.reserved-ports[0]", "pools[1].name", "pools[2].addresses[0]",
            ])
    }

    @Test func invalidJSONNamesLineAndColumn() {
        let cases: [(String, String)] = [
            ("{\n  \"workers\": 2,\n}", "line 3, column 1: expected a key in quotes, found '}'"),
            ("{ \"a\": tru }", "line 1, column 8: expected 'true'"),
            ("{ \"a\": 01 }", "line 1, column 9: expected ',' or '}' after the value of \"a\", found '1'"),
            (
                "{ \"a\": \"\u{01}\" }",
                "line 1, column 9: control character in a string (write it as an escape such as \\n)"
            ),
            ("", "line 1, column 1: expected a value, found the end of the file"),
            ("{} {}", "line 1, column 4: unexpected text after the document"),
            (String(repeating: "[", count: 100), "line 1, column 65: nested deeper than 64 levels"),
        ]
        for (text, reason) in cases {
            #expect(throws: ConfigurationError.invalidJSON(reason: reason)) { _ = try ServerConfiguration.parse(text) }
        }
    }

    @Test func jsonStringsAndEscapesAreDecoded() throws {
        let text = Samples.document(
            pools:
                #"{ "name": "p", "addresses": ["198.51.100.0/24"], "options": { "domain-name": "ex\u0061mple\/net" } }"#
        )
        #expect(
            Samples.reasons(text, at: "pools[0].options.domain-name") == [
                #""example/net" is not a domain name (letters, digits, '-', '.'; at most 255 characters)"#
            ])
        let valid = Samples.document(
            pools:
                #"{ "name": "p", "addresses": ["198.51.100.0/24"], "match": { "interface-ids": ["\ud83d\ude00 \"q\""] } }"#
        )
        #expect(try ServerConfiguration.parse(valid).engine.pools[0].match.interfaceIDs == [Array("😀 \"q\"".utf8)])
    }

    @Test func errorDescriptionListsEveryProblem() {
        let error = ConfigurationError.invalid([
            ConfigurationProblem(keyPath: "workers", reason: "0 is outside 1...64"),
            ConfigurationProblem(keyPath: "server-id", reason: "is required: the IPv4 address"),
        ])
        #expect(
            error.description == """
                invalid configuration (2 problems):
                  workers: 0 is outside 1...64
                  server-id: is required: the IPv4 address
                """)
    }

    @Test func errorDescriptions() {
        #expect(
            ConfigurationError.unreadable(path: "/etc/p.json", reason: "Permission denied").description
                == "cannot read /etc/p.json: Permission denied")
        #expect(
            ConfigurationError.invalidJSON(reason: "line 1, column 2: x").description
                == "not valid JSON: line 1, column 2: x")
        #expect(
            ConfigurationError.invalid([ConfigurationProblem(keyPath: "", reason: "expected an object")]).description
                == "invalid configuration (1 problem):\n  expected an object")
    }

    @Test func aByteOrderMarkIsIgnored() throws {
        let configuration = try ServerConfiguration.parse([0xEF, 0xBB, 0xBF] + Array(Samples.document().utf8))
        #expect(configuration.engine.pools.count == 1)
    }
}
