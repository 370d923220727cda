import LeaseEngine
import Testing

@testable import PortLeaseConfiguration

/// `fallback`, `utilisation-alarm`, `limits.discover-rate` and the warnings of `check-config`.
@Suite struct PoolSelectionConfigTests {
    static let lw4o6 = #"""
        { "name": "lw4o6", "addresses": ["192.0.2.16/28"], "shared": { "psid-offset": 0 },
          "match": { "link-addresses": ["2001:db8:10::/48"] } }
        """#

    @Test func aCatchAllPoolCanOptInAsFallback() throws {
        let text = Samples.document(
            pools: Self.lw4o6
                + #", { "name": "map", "addresses": ["198.51.100.0/24"], "shared": {}, "fallback": true }"#)
        let configuration = try ServerConfiguration.parse(text)
        #expect(configuration.engine.pools.map(\.fallback) == [false, true])
        #expect(configuration.engine.pools.map(\.utilisationAlarm) == [90, 90])
    }

    @Test func aMatchedPoolCannotBeAFallback() {
        let text = Samples.document(
            pools: #"""
                { "name": "p", "addresses": ["198.51.100.0/24"], "shared": {}, "fallback": true,
                  "match": { "client-prefixes": ["2001:db8::/32"] } }
                """#)
        #expect(Samples.reasons(text, at: "pools[0].fallback").first?.contains("only a pool without \"match\"") == true)
    }

    @Test func utilisationAlarmIsAPercent() throws {
        let text = Samples.pool(#""shared": {}, "utilisation-alarm": 75"#)
        #expect(try ServerConfiguration.parse(text).engine.pools[0].utilisationAlarm == 75)
        #expect(
            !Samples.reasons(Samples.pool(#""shared": {}, "utilisation-alarm": 0"#), at: "pools[0].utilisation-alarm")
                .isEmpty)
        #expect(
            !Samples.reasons(Samples.pool(#""shared": {}, "utilisation-alarm": 101"#), at: "pools[0].utilisation-alarm")
                .isEmpty)
    }

    @Test func discoverRateIsOnByDefaultAndCanBeTunedOrSwitchedOff() throws {
        #expect(try ServerConfiguration.parse(Samples.document()).discoverRate == .init())
        let tuned = try ServerConfiguration.parse(
            Samples.document(#""limits": { "discover-rate": { "per-second": 100, "prefix-length": 56 } }"#))
        #expect(tuned.discoverRate == .init(perSecond: 100, burst: 50, prefixLength: 56))
        let off = try ServerConfiguration.parse(Samples.document(#""limits": { "discover-rate": "off" }"#))
        #expect(off.discoverRate == nil)
        let wrong = Samples.document(#""limits": { "discover-rate": "none" }"#)
        #expect(Samples.reasons(wrong, at: "limits.discover-rate").first?.contains("expected \"off\"") == true)
        let negative = Samples.document(#""limits": { "discover-rate": { "burst": 0 } }"#)
        #expect(!Samples.reasons(negative, at: "limits.discover-rate.burst").isEmpty)
    }

    @Test func queueDelayBudgetIsMillisecondsWithADefault() throws {
        #expect(try ServerConfiguration.parse(Samples.document()).queueDelayBudgetMilliseconds == 1000)
        let set = try ServerConfiguration.parse(Samples.document(#""queue-delay-budget": 250"#))
        #expect(set.queueDelayBudgetMilliseconds == 250)
        #expect(!Samples.reasons(Samples.document(#""queue-delay-budget": 0"#), at: "queue-delay-budget").isEmpty)
    }

    @Test func aCatchAllShadowedByAMatchForEveryClientIsWarnedAbout() throws {
        let everyone = #"""
            { "name": "all", "addresses": ["192.0.2.16/28"], "shared": {}, "match": { "client-prefixes": ["::/0"] } }
            """#
        let catchAll = #"{ "name": "map", "addresses": ["198.51.100.0/24"], "shared": {} }"#
        let warnings = try ServerConfiguration.parse(Samples.document(pools: catchAll + ", " + everyone)).warnings()
        #expect(warnings.map(\.keyPath) == ["pools[0]"])
        #expect(warnings.first?.reason.contains("pool \"map\" can never serve anyone") == true)
        // As a fallback it serves once "all" is full: no warning.
        let fallback = #"{ "name": "map", "addresses": ["198.51.100.0/24"], "shared": {}, "fallback": true }"#
        #expect(try ServerConfiguration.parse(Samples.document(pools: fallback + ", " + everyone)).warnings().isEmpty)
    }

    @Test func matchEntriesThatCanNeverFitAreWarnedAbout() throws {
        let text = Samples.document(
            pools: #"""
                { "name": "p", "addresses": ["198.51.100.0/24"], "shared": {},
                  "match": { "link-addresses": ["ff02::/16"], "interfaces": ["nosuch0"] } }
                """#)
        let configuration = try ServerConfiguration.parse(text)
        let warnings = configuration.warnings { $0 != "nosuch0" }
        #expect(
            warnings.map(\.keyPath) == [
                "pools[0].match.link-addresses[0]", "pools[0].match.interfaces[0]", "pools[0].match",
            ])
        #expect(configuration.warnings { _ in true }.map(\.keyPath) == ["pools[0].match.link-addresses[0]"])
        // The sample configurations draw no warning.
        #expect(try ServerConfiguration.parse(Samples.issueExample).warnings { _ in true }.isEmpty)
    }
}
