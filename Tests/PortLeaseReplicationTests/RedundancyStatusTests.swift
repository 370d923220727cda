import Testing

@testable import PortLeaseReplication

/// What the metrics show of a pair: catch-up progress on the active, clock skew on the standby.
struct RedundancyStatusTests {
    static func status() -> RedundancyStatus {
        RedundancyStatus(groups: [.init(name: "g1", partner: "b", state: .active, since: 0)])
    }

    @Test func theStandbysLagAndThePartnersClockAreRendered() {
        let status = Self.status()
        #expect(!status.render().contains("standby_behind_records"), "only once a sender reports it")
        #expect(!status.render().contains("clock_skew"))
        status.setLagSource { ["b": 1234, "a2": 0] }
        #expect(status.render().contains("portlease_replication_standby_behind_records{partner=\"b\"} 1234\n"))
        #expect(status.render().contains("portlease_replication_standby_behind_records{partner=\"a2\"} 0\n"))
        #expect(status.setClockSkew("a", milliseconds: -250) == false)
        #expect(status.render().contains("portlease_replication_clock_skew_milliseconds{partner=\"a\"} -250\n"))
    }

    @Test func aClockSkewIsReportedOnceWhenItPassesTheWarningAndAgainAfterItCameBack() {
        let status = Self.status()
        #expect(status.setClockSkew("a", milliseconds: 9_000) == false)
        #expect(status.setClockSkew("a", milliseconds: -12_000) == true)
        #expect(status.setClockSkew("a", milliseconds: -15_000) == false, "still off: logged once")
        #expect(status.setClockSkew("a", milliseconds: 100) == false)
        #expect(status.setClockSkew("a", milliseconds: 11_000) == true)
    }
}
