import PortLeaseConfiguration
import PortLeaseWire
import Testing

/// What a reload would take away from active leases.
@Suite struct RemovedAddressRangesTests {
    static func configuration(_ pools: String) throws -> ServerConfiguration {
        try ServerConfiguration.parse(Samples.document(#""workers": 1"#, pools: pools))
    }

    static func removed(_ old: String, _ new: String) throws -> [String] {
        removedAddressRanges(from: try configuration(old), to: try configuration(new)).map {
            "\($0.pool) \($0.range.lowerBound)-\($0.range.upperBound)"
        }
    }

    static let shared = #"{ "name": "map", "addresses": ["198.51.100.0/24"], "shared": { "psid-length-min": 4 } }"#
    static let full = #"{ "name": "full", "addresses": ["203.0.113.0/24"] }"#

    @Test func nothingRemovedWhenOnlyHarmlessSettingsChange() throws {
        let changed = #"""
            { "name": "map", "addresses": ["198.51.100.0/25", "198.51.100.128/25", "192.0.2.128/25"],
              "valid-lifetime": 600, "shared": { "psid-length-min": 4, "psid-length": 5, "psid-length-max": 6 },
              "match": { "client-prefixes": ["2001:db8::/32"] }, "options": { "domain-name": "example.net" } },
            { "name": "full", "addresses": ["203.0.113.0/24"], "full": { "serve-port-params-clients": true } },
            { "name": "new", "addresses": ["192.0.2.64/26"] }
            """#
        let removed = try Self.removed("\(Self.shared), \(Self.full)", changed)
        #expect(removed == [])
    }

    @Test func aDroppedPoolIsRemovedWhole() throws {
        #expect(try Self.removed("\(Self.shared), \(Self.full)", Self.shared) == ["full 203.0.113.0-203.0.113.255"])
    }

    @Test func aShrunkPoolLosesTheMissingAddresses() throws {
        let shrunk =
            #"{ "name": "map", "addresses": ["198.51.100.16-198.51.100.31", "198.51.100.64/26"], "shared": { "psid-length-min": 4 } }"#
        #expect(
            try Self.removed(Self.shared, shrunk) == [
                "map 198.51.100.0-198.51.100.15", "map 198.51.100.32-198.51.100.63",
                "map 198.51.100.128-198.51.100.255",
            ])
    }

    @Test func aRenamedPoolCountsAsRemoved() throws {
        let renamed = #"{ "name": "map2", "addresses": ["198.51.100.0/24"], "shared": { "psid-length-min": 4 } }"#
        #expect(try Self.removed(Self.shared, renamed) == ["map 198.51.100.0-198.51.100.255"])
    }

    @Test(arguments: [
        #"{ "name": "map", "addresses": ["198.51.100.0/24"] }"#,
        #"{ "name": "map", "addresses": ["198.51.100.0/24"], "shared": { "psid-length-min": 4, "psid-offset": 4 } }"#,
        #"{ "name": "map", "addresses": ["198.51.100.0/24"], "shared": { "psid-length-min": 5 } }"#,
        #"{ "name": "map", "addresses": ["198.51.100.0/24"], "shared": { "psid-length-min": 4, "psid-length-max": 7 } }"#,
        #"{ "name": "map", "addresses": ["198.51.100.0/24"], "shared": { "psid-length-min": 4, "reserved-ports": [] } }"#,
    ])
    func aChangedPortSetLayoutRemovesThePool(_ changed: String) throws {
        #expect(try Self.removed(Self.shared, changed) == ["map 198.51.100.0-198.51.100.255"])
    }

    @Test func rangesAtTheEndsOfTheAddressSpace() throws {
        let old = #"{ "name": "edge", "addresses": ["255.255.255.240/28", "0.0.0.0/28"] }"#
        let new = #"{ "name": "edge", "addresses": ["255.255.255.255", "0.0.0.0"] }"#
        #expect(try Self.removed(old, new) == ["edge 255.255.255.240-255.255.255.254", "edge 0.0.0.1-0.0.0.15"])
    }
}
