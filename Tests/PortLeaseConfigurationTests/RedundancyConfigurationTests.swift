import Testing

@testable import PortLeaseConfiguration

/// The `"redundancy"` section: hot-standby partners and the pool groups they share.
@Suite struct RedundancyConfigurationTests {
    /// Three pools, in this order: map-shared (0), full (1), extra (2).
    static let pools = """
        { "name": "map-shared", "addresses": ["198.51.100.0/24"], "shared": {} },
        { "name": "full", "addresses": ["203.0.113.0/28"] },
        { "name": "extra", "addresses": ["203.0.113.64/28"] }
        """
    static let tls =
        #""tls": { "certificate-file": "/etc/pl/a.pem", "key-file": "/etc/pl/a.key", "ca-file": "/etc/pl/ca.pem" }"#
    static let partnerB = #"{ "name": "b", "address": "[fd00::2]:8647" }"#
    static let groupG1 = #"{ "name": "g1", "pools": ["map-shared", "full"], "active": "a", "standby": "b" }"#

    /// A document whose `"redundancy"` is made of `members`.
    static func document(_ members: String) -> String {
        Samples.document(#""redundancy": { \#(members) }"#, pools: pools)
    }

    /// A section with this instance "a", its TLS, `partners` and `groups`, then `extra` members.
    static func section(partners: String = partnerB, groups: String = groupG1, _ extra: String = "") -> String {
        document(
            #""instance": "a", \#(Self.tls), "partners": [\#(partners)], "pool-groups": [\#(groups)]"#
                + (extra.isEmpty ? "" : ", " + extra))
    }

    /// The reasons at exactly `keyPath`, with every problem in the failure message.
    static func reasons(_ text: String, at keyPath: String) -> [String] {
        Samples.reasons(text, at: keyPath)
    }

    @Test func absentMeansNoRedundancyAndTheShippedExamplesHaveNone() throws {
        #expect(try ServerConfiguration.parse(Samples.document()).redundancy == nil)
        #expect(try ServerConfiguration.parse(Samples.document(#""redundancy": null"#)).redundancy == nil)
        for file in ["quickstart.json", "two-instance-a.json", "history-instance-a.json"] {
            let configuration = try ServerConfiguration.load(contentsOf: Samples.configDirectory + "/" + file)
            #expect(configuration.redundancy == nil, "\(file)")
        }
    }

    @Test func aFullSectionIsReadIntoEveryField() throws {
        let text = Self.document(
            #"""
            "instance": "a", "listen": "[::]:8647", \#(Self.tls),
            "takeover-after": 30, "heartbeat-interval": 3, "require-standby": true, "standby-log-hold": 600, "unanswered-secs": 8,
            "failback-after": 120,
            "partners": [
              { "name": "b", "address": "[fd00::2]:8647" }, { "name": "c.east_1", "address": "192.0.2.3:9000" }
            ],
            "pool-groups": [
              { "name": "g1", "pools": ["full", "map-shared"], "active": "a", "standby": "b" },
              { "name": "g2", "pools": ["extra"], "active": "c.east_1", "standby": "a" }
            ]
            """#)
        #expect(Samples.problems(text) == [])
        let redundancy = try #require(try ServerConfiguration.parse(text).redundancy)
        typealias R = ServerConfiguration.Redundancy
        #expect(redundancy.instance == "a")
        #expect(redundancy.listen == R.Endpoint(host: "::", port: 8647))
        #expect(redundancy.listen?.description == "[::]:8647")
        #expect(
            redundancy.tls
                == R.TLS(certificateFile: "/etc/pl/a.pem", keyFile: "/etc/pl/a.key", caFile: "/etc/pl/ca.pem"))
        #expect(redundancy.takeoverAfterMilliseconds == 30_000)
        #expect(redundancy.heartbeatMilliseconds == 3000)
        #expect(redundancy.requireStandby)
        #expect(redundancy.standbyLogHoldMilliseconds == 600_000)
        #expect(redundancy.unansweredSecs == 8)
        #expect(redundancy.failbackAfterMilliseconds == 120_000)
        #expect(
            redundancy.partners == [
                R.Partner(name: "b", host: "fd00::2", port: 8647),
                R.Partner(name: "c.east_1", host: "192.0.2.3", port: 9000),
            ])
        // Indices into the pools in the file's order, whatever order the group lists them in.
        let g1 = R.PoolGroup(name: "g1", pools: [0, 1], active: "a", standby: "b")
        let g2 = R.PoolGroup(name: "g2", pools: [2], active: "c.east_1", standby: "a")
        #expect(redundancy.poolGroups == [g1, g2])
        #expect(redundancy.activeGroups == [g1])
        #expect(redundancy.standbyGroups == [g2])
        #expect(redundancy.partner(named: "c.east_1")?.address.description == "192.0.2.3:9000")
        #expect(redundancy.partner(named: "b")?.address.description == "[fd00::2]:8647")
        #expect(redundancy.partner(named: "a") == nil)
        #expect(redundancy.partner(named: "d") == nil)
    }

    @Test func theDefaults() throws {
        let redundancy = try #require(try ServerConfiguration.parse(Self.section()).redundancy)
        #expect(redundancy.listen == nil)  // only the active of its one group: nobody connects to it
        #expect(redundancy.takeoverAfterMilliseconds == 10_000)
        #expect(redundancy.heartbeatMilliseconds == 1000)
        #expect(!redundancy.requireStandby)
        #expect(redundancy.standbyGroups.isEmpty)
    }

    @Test func unknownKeysAreRefusedWithASuggestionAtEveryLevel() {
        #expect(
            Samples.reasons(Samples.document(#""redundancey": {}"#), at: "redundancey")
                == [#"unknown key (did you mean "redundancy"?)"#])
        #expect(
            Self.reasons(Self.section(#""takeover-afte": 10"#), at: "redundancy.takeover-afte")
                == [#"unknown key (did you mean "takeover-after"?)"#])
        #expect(
            Self.reasons(
                Self.section(partners: #"{ "name": "b", "adress": "[fd00::2]:8647" }"#),
                at: "redundancy.partners[0].adress")
                == [#"unknown key (did you mean "address"?)"#])
        #expect(
            Self.reasons(
                Self.section(groups: #"{ "name": "g1", "pools": ["full"], "active": "a", "standy": "b" }"#),
                at: "redundancy.pool-groups[0].standy") == [#"unknown key (did you mean "standby"?)"#])
        #expect(
            Self.reasons(Self.document(#""tls": { "ca-fle": "/x" }"#), at: "redundancy.tls.ca-fle")
                == [#"unknown key (did you mean "ca-file"?)"#])
    }

    @Test func eachRequiredKeyIsNamed() {
        let empty = Samples.problems(Self.document(""))
        for key in ["instance", "tls", "partners", "pool-groups"] {
            #expect(
                empty.contains { $0.keyPath == "redundancy." + key && $0.reason.hasPrefix("is required") },
                "\(key): \(empty)")
        }
        let tls = Samples.problems(
            Self.document(#""instance": "a", "tls": { "certificate-file": "/c", "key-file": "" }"#))
        #expect(tls.contains { $0.keyPath == "redundancy.tls.ca-file" && $0.reason.hasPrefix("is required") })
        #expect(tls.contains { $0.keyPath == "redundancy.tls.key-file" && $0.reason.contains("path of a PEM file") })
        #expect(!tls.contains { $0.keyPath == "redundancy.tls.certificate-file" })
        #expect(
            Self.reasons(Self.section(partners: ""), at: "redundancy.partners") == ["must list at least one partner"])
        #expect(
            Self.reasons(Self.section(groups: ""), at: "redundancy.pool-groups") == [
                "must list at least one pool group"
            ])
    }

    @Test func namesFollowTheInstanceNameSyntax() {
        #expect(
            Self.reasons(
                Self.section(#""instance": "a b""#).replacing(#""instance": "a", "#, with: ""),
                at: "redundancy.instance"
            )
            .first?.contains("1 to 64 letters, digits") == true)
        let long = String(repeating: "x", count: 65)
        #expect(
            Self.reasons(
                Self.section(partners: #"{ "name": "\#(long)", "address": "192.0.2.2:8647" }"#),
                at: "redundancy.partners[0].name"
            )
            .first?.contains("1 to 64 letters") == true)
        // 64 characters are fine.
        let longest = String(repeating: "x", count: 64)
        #expect(
            Samples.problems(
                Self.section(
                    partners: #"{ "name": "\#(longest)", "address": "192.0.2.2:8647" }"#,
                    groups: #"{ "name": "g1", "pools": ["full"], "active": "a", "standby": "\#(longest)" }"#,
                    #""listen": "[::]:8647""#)) == [])
    }

    @Test func timingRangesAndTheHeartbeatAtMostHalfTheTakeover() throws {
        #expect(
            Self.reasons(Self.section(#""takeover-after": 1"#), at: "redundancy.takeover-after") == [
                "1 is outside 2...600"
            ])
        #expect(
            Self.reasons(Self.section(#""heartbeat-interval": 61"#), at: "redundancy.heartbeat-interval")
                == ["61 is outside 1...60"])
        #expect(
            Self.reasons(Self.section(#""standby-log-hold": -1"#), at: "redundancy.standby-log-hold")
                == ["-1 is outside 0...2592000"])
        #expect(try ServerConfiguration.parse(Self.section("")).redundancy?.standbyLogHoldMilliseconds == 3_600_000)
        #expect(
            Self.reasons(Self.section(#""unanswered-secs": 0"#), at: "redundancy.unanswered-secs")
                == ["0 is outside 1...3600"])
        #expect(try ServerConfiguration.parse(Self.section("")).redundancy?.unansweredSecs == nil)
        #expect(
            Self.reasons(Self.section(#""failback-after": 0"#), at: "redundancy.failback-after")
                == ["0 is outside 1...86400"])
        #expect(try ServerConfiguration.parse(Self.section("")).redundancy?.failbackAfterMilliseconds == nil)
        #expect(
            Self.reasons(Self.section(#""heartbeat-interval": 1.5"#), at: "redundancy.heartbeat-interval")
                == ["expected an integer, found 1.5"])
        let defaultTakeover = Self.reasons(
            Self.section(#""heartbeat-interval": 6"#), at: "redundancy.heartbeat-interval")
        #expect(defaultTakeover.count == 1)
        #expect(defaultTakeover.first?.contains("more than half of takeover-after (default 10)") == true)
        let given = Self.reasons(
            Self.section(#""takeover-after": 4, "heartbeat-interval": 3"#), at: "redundancy.heartbeat-interval")
        #expect(given.first?.contains("more than half of takeover-after (4)") == true)
        #expect(Samples.problems(Self.section(#""heartbeat-interval": 5"#)) == [])
        #expect(Samples.problems(Self.section(#""takeover-after": 2, "heartbeat-interval": 1"#)) == [])
    }

    @Test func aGroupsPoolMustExistWithASuggestion() {
        let reasons = Self.reasons(
            Self.section(groups: #"{ "name": "g1", "pools": ["ful"], "active": "a", "standby": "b" }"#),
            at: "redundancy.pool-groups[0].pools[0]")
        #expect(reasons == [#"no pool is named "ful" (did you mean "full"?)"#])
        #expect(
            Self.reasons(
                Self.section(groups: #"{ "name": "g1", "pools": [], "active": "a", "standby": "b" }"#),
                at: "redundancy.pool-groups[0].pools") == ["must name at least one pool"])
    }

    @Test func aPoolInTwoGroupsIsRefused() {
        let groups = """
            { "name": "g1", "pools": ["map-shared", "full"], "active": "a", "standby": "b" },
            { "name": "g2", "pools": ["extra", "full"], "active": "b", "standby": "a" }
            """
        let reasons = Self.reasons(
            Self.section(groups: groups, #""listen": "[::]:8647""#), at: "redundancy.pool-groups[1].pools[1]")
        #expect(reasons.count == 1)
        #expect(reasons.first?.contains(#"pool "full" is already in pool group "g1""#) == true, "\(reasons)")
        #expect(reasons.first?.contains("redundancy.pool-groups[0].pools[1]") == true, "\(reasons)")
        #expect(reasons.first?.contains("active on two instances") == true, "\(reasons)")
        let twice = Self.reasons(
            Self.section(groups: #"{ "name": "g1", "pools": ["full", "full"], "active": "a", "standby": "b" }"#),
            at: "redundancy.pool-groups[0].pools[1]")
        #expect(twice == [#""full" is already in this group (redundancy.pool-groups[0].pools[0])"#])
    }

    @Test func groupNamesAreUnique() {
        let groups = """
            { "name": "g1", "pools": ["map-shared"], "active": "a", "standby": "b" },
            { "name": "g1", "pools": ["full"], "active": "a", "standby": "b" }
            """
        #expect(
            Self.reasons(Self.section(groups: groups), at: "redundancy.pool-groups[1].name")
                == [#""g1" is already the name of redundancy.pool-groups[0]"#])
    }

    @Test func activeAndStandbyAreThisInstanceOrAPartnerAndDiffer() {
        let unknown = Self.reasons(
            Self.section(groups: #"{ "name": "g1", "pools": ["full"], "active": "a", "standby": "bb" }"#),
            at: "redundancy.pool-groups[0].standby")
        #expect(unknown == [#""bb" is neither this instance nor a partner (one of "a", "b") (did you mean "b"?)"#])
        let same = Self.reasons(
            Self.section(groups: #"{ "name": "g1", "pools": ["full"], "active": "a", "standby": "a" }"#),
            at: "redundancy.pool-groups[0].standby")
        #expect(same.count == 1)
        #expect(same.first?.contains(#"also the group's "active""#) == true)
        #expect(
            !Samples.problems(Self.section(groups: #"{ "name": "g1", "pools": ["full"], "active": "a" }"#))
                .filter { $0.keyPath == "redundancy.pool-groups[0].standby" && $0.reason.hasPrefix("is required") }
                .isEmpty)
    }

    @Test func aGroupThatLeavesThisInstanceOutIsRefused() {
        let partners = #"{ "name": "b", "address": "[fd00::2]:8647" }, { "name": "c", "address": "[fd00::3]:8647" }"#
        let groups = """
            \(Self.groupG1),
            { "name": "g2", "pools": ["extra"], "active": "b", "standby": "c" }
            """
        let reasons = Self.reasons(Self.section(partners: partners, groups: groups), at: "redundancy.pool-groups[1]")
        #expect(reasons.count == 1)
        #expect(reasons.first?.contains(#"names neither this instance ("a")"#) == true, "\(reasons)")
        #expect(reasons.first?.contains("each instance's file lists only its own groups") == true, "\(reasons)")
    }

    @Test func partnersAreUniqueOtherInstancesAtAddressesThatCanBeReached() {
        let partners = """
            { "name": "b", "address": "[fd00::2]:8647" }, { "name": "b", "address": "[fd00::3]:8647" },
            { "name": "a", "address": "[fd00::4]:8647" }, { "name": "d", "address": "[fd00::5]:0" },
            { "name": "e", "address": "fd00::6:8647" }, { "name": "f", "address": "db.example.net:8647" }
            """
        let text = Self.section(partners: partners)
        #expect(
            Self.reasons(text, at: "redundancy.partners[1].name")
                == [#""b" is already the name of redundancy.partners[0]"#])
        #expect(
            Self.reasons(text, at: "redundancy.partners[2].name").first?.contains("this instance's own name") == true)
        #expect(Self.reasons(text, at: "redundancy.partners[3].address").first?.contains("port 0") == true)
        // The same "host:port" parser as metrics.listen and control.listen.
        #expect(
            Self.reasons(text, at: "redundancy.partners[4].address")
                == [#""fd00::6:8647": write an IPv6 address in brackets, such as "[::1]:8647""#])
        #expect(
            Self.reasons(text, at: "redundancy.partners[5].address").first?.contains("must be \"address:port\"") == true
        )
        #expect(
            Self.reasons(Self.section(partners: #"{ "name": "b" }"#), at: "redundancy.partners[0].address")
                .first?.hasPrefix("is required") == true)
    }

    @Test func aStandbyNeedsListen() throws {
        let standby = #"{ "name": "g1", "pools": ["full"], "active": "b", "standby": "a" }"#
        let missing = Self.reasons(Self.section(groups: standby), at: "redundancy.listen")
        #expect(missing.count == 1)
        #expect(missing.first?.hasPrefix(#"is required: this instance is the standby of pool group "g1""#) == true)
        #expect(
            Self.reasons(Self.section(groups: standby, #""listen": "[::1]:99999""#), at: "redundancy.listen")
                == [#""[::1]:99999": the port must be 0...65535"#])
        let redundancy = try #require(
            try ServerConfiguration.parse(Self.section(groups: standby, #""listen": "192.0.2.1:8647""#)).redundancy)
        #expect(redundancy.listen == .init(host: "192.0.2.1", port: 8647))
        #expect(redundancy.standbyGroups.map(\.name) == ["g1"])
        #expect(redundancy.activeGroups.isEmpty)
    }

    @Test func requireStandbyNamesEachPoolInNoGroup() {
        let text = Self.section(#""require-standby": true"#)
        let problems = Samples.problems(text)
        #expect(problems.map(\.keyPath) == ["pools[2]"])
        #expect(problems.first?.reason.contains(#"pool "extra" is in no pool group"#) == true)
        #expect(problems.first?.reason.contains("require-standby") == true)
        #expect(Samples.problems(Self.section(#""require-standby": false"#)) == [])
    }

    @Test func aPartnerInNoGroupIsAWarningNotAProblem() throws {
        let partners =
            #"{ "name": "b", "address": "[fd00::2]:8647" }, { "name": "spare", "address": "[fd00::9]:8647" }"#
        let configuration = try ServerConfiguration.parse(Self.section(partners: partners))
        let warnings = configuration.redundancyWarnings()
        #expect(warnings.map(\.keyPath) == ["redundancy.partners[1]"])
        #expect(warnings.first?.reason.contains(#"partner "spare" is in no pool group"#) == true)
        #expect(try ServerConfiguration.parse(Self.section()).redundancyWarnings().isEmpty)
        #expect(try ServerConfiguration.parse(Samples.document()).redundancyWarnings().isEmpty)
    }

    @Test func everyProblemIsReportedAtOnce() {
        let text = Self.document(
            #"""
            "instance": "a", \#(Self.tls), "takeover-after": 0,
            "partners": [ { "name": "b", "address": "fd00::2" } ],
            "pool-groups": [ { "name": "g1", "pools": ["nope"], "active": "a", "standby": "x" } ]
            """#)
        let paths = Set(Samples.problems(text).map(\.keyPath))
        #expect(
            paths == [
                "redundancy.takeover-after", "redundancy.partners[0].address", "redundancy.pool-groups[0].pools[0]",
                "redundancy.pool-groups[0].standby",
            ])
    }
}
