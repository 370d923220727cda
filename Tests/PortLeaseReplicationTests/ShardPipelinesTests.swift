import Testing

@testable import PortLeaseReplication

/// `ShardPipelines`: a retry of waiting records is queued once per shard at a time, and only
/// where records wait.
@Suite struct ShardPipelinesTests {
    @Test func aRetryIsClaimedOnlyWhereRecordsWaitAndOnlyOnceAtATime() async throws {
        let pipelines = ShardPipelines(shards: 2)
        #expect(!pipelines.claimRetry(0))  // nothing waits
        try await pipelines.waitForRoom(0)
        pipelines.finished(0, waiting: 3, retry: false)
        #expect(!pipelines.claimRetry(1))
        #expect(pipelines.claimRetry(0))
        #expect(!pipelines.claimRetry(0))  // one queued already
        // The retry ends with records still waiting: another may be queued.
        try await pipelines.waitForRoom(0)
        pipelines.finished(0, waiting: 1, retry: true)
        #expect(pipelines.claimRetry(0))
        try await pipelines.waitForRoom(0)
        pipelines.finished(0, waiting: 0, retry: true)
        #expect(!pipelines.claimRetry(0))
        #expect(pipelines.totalWaiting == 0)
    }
}
