import Foundation
import Testing

@testable import PortLeaseReplication

/// The active's compaction limit: what its standbys have acknowledged, held for an absent
/// standby only as long as `standby-log-hold` says.
struct StandbyAcknowledgementsTests {
    @Test func theLimitIsTheLeastAcknowledgementOfTheStandbysThatHold() {
        let acknowledged = StandbyAcknowledgements(standbys: ["b", "c"], shards: 2)
        #expect(acknowledged.limit(0) == 0 && acknowledged.limit(1) == 0, "nothing heard yet: hold everything")
        acknowledged.setConnected("b", true)
        acknowledged.acknowledge("b", shard: 0, through: 40)
        acknowledged.acknowledge("c", shard: 0, through: 25)
        acknowledged.acknowledge("b", shard: 0, through: 30)
        #expect(acknowledged.position("b", 0) == 40, "acknowledgements never go back")
        #expect(acknowledged.limit(0) == 25)
        acknowledged.reset("c", to: [50, 9])
        #expect(acknowledged.limit(0) == 40 && acknowledged.limit(1) == 0)
    }

    @Test func anAbsentStandbyPastTheHoldNoLongerHoldsCompaction() {
        let acknowledged = StandbyAcknowledgements(standbys: ["b", "c"], shards: 1, holdMilliseconds: 0)
        #expect(acknowledged.limit(0) == .max, "both away, and the hold is 0")
        acknowledged.setConnected("b", true)
        acknowledged.acknowledge("b", shard: 0, through: 12)
        #expect(acknowledged.limit(0) == 12, "a connected standby always holds")
        acknowledged.setConnected("b", false)
        #expect(acknowledged.limit(0) == .max)

        let patient = StandbyAcknowledgements(standbys: ["b"], shards: 1, holdMilliseconds: 3_600_000)
        patient.acknowledge("b", shard: 0, through: 7)
        patient.setConnected("b", false)
        #expect(patient.limit(0) == 7, "within the hour it still holds")
    }

    /// The sender marks a standby disconnected after every failed attempt to reach it: that
    /// must not restart the hold, or a standby gone for good would hold compaction for ever.
    @Test func failedAttemptsDoNotRestartTheHold() throws {
        let acknowledged = StandbyAcknowledgements(standbys: ["b"], shards: 1, holdMilliseconds: 50)
        acknowledged.setConnected("b", true)
        acknowledged.acknowledge("b", shard: 0, through: 3)
        acknowledged.setConnected("b", false)
        #expect(acknowledged.limit(0) == 3)
        let deadline = ContinuousClock.now + .seconds(5)
        while acknowledged.limit(0) != .max && ContinuousClock.now < deadline {
            acknowledged.setConnected("b", false)  // another attempt failed
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(acknowledged.limit(0) == .max, "50 ms after the link went down, whatever the attempts since")
    }
}
