import Dispatch
import LeaseEngine
import LeaseLog
import PortLeaseWire
import Synchronization
import Testing

/// Several shards, each an engine on its own thread, sharing the lock-free pools.
@Suite struct LeaseEngineShardTests {
    /// One engine per shard is confined to its thread; the wrapper only carries it there.
    final class Confined: @unchecked Sendable {
        let harness: EngineHarness
        var granted: [Binding] = []

        init(_ harness: EngineHarness) {
            self.harness = harness
        }
    }

    @Test func shardsAllocatingAtOnceNeverShareASlot() throws {
        let configuration = Fixtures.configuration([
            Fixtures.sharedPool("map", "198.51.100.1", "198.51.100.16", minimum: 4)
        ])
        let engines = try LeaseEngine.makeShards(configuration, count: 2)
        let shards = engines.map { Confined(EngineHarness(engine: $0)) }
        DispatchQueue.concurrentPerform(iterations: shards.count) { index in
            let shard = shards[index]
            for number in 0..<600 {
                let client = TestClient(index * 100_000 + number)
                let hint = number % 3 == 0 ? try! PortParams(offset: 0, psidLength: 4, psid: 0) : nil
                let ack = shard.harness.dora(client, hint: hint)
                if ack.replyType == .ack, let state = shard.harness.engine.lease(of: client.key) {
                    shard.granted.append(state.binding)
                }
            }
        }
        let all = shards.flatMap(\.granted)
        // A third of the clients take 4-slot sets, so the 1024 slots fill at about 512
        // leases: both shards run the pool dry, stealing from each other's partition.
        #expect(all.count > 450)
        #expect(engines.allSatisfy { $0.counters.dropped(.poolsExhausted) > 0 })
        var byAddress: [IPv4Address: [Binding]] = [:]
        for binding in all { byAddress[binding.address, default: []].append(binding) }
        for (_, bindings) in byAddress {
            for (i, a) in bindings.enumerated() {
                for b in bindings[(i + 1)...] {
                    #expect(!LeaseEngineSimulationTests.overlap(a, b), "\(a) and \(b) overlap")
                }
            }
        }
        // 16 addresses x 64 slots: what was granted plus what is free is the whole pool.
        let pool = engines[0].pools[0]
        let usedSlots = all.reduce(0) { $0 + (1 << (6 - Int($1.psidLength))) }
        #expect(usedSlots <= 16 * 64)
        #expect(try pool.usedPortSets(psidLength: 6) + 4 * pool.usedPortSets(psidLength: 4) == usedSlots)
    }

    @Test func aPoolTooSmallToSplitPerShardIsSharedByTheShards() throws {
        // 16 full addresses fit one 64-slot word: one partition for four shards.
        let configuration = Fixtures.configuration([Fixtures.fullPool("small", "203.0.113.16", "203.0.113.31")])
        let engines = try LeaseEngine.makeShards(configuration, count: 4)
        #expect(engines[0].pools[0].partitionCount == 1)
        var granted = 0
        for (index, engine) in engines.enumerated() {
            let harness = EngineHarness(engine: engine)
            for number in 0..<5
            where harness.dora(TestClient(index * 10 + number, wantsPortParams: false)).replyType == .ack {
                granted += 1
            }
        }
        #expect(granted == 16)
    }

    @Test func aPreviousBindingIsForgottenOnceItsSlotsAreReused() throws {
        let harness = try EngineHarness(
            Fixtures.configuration([Fixtures.sharedPool("one", "198.51.100.1", "198.51.100.1", minimum: 6)]))
        let first = TestClient(1)
        let ack = harness.dora(first)
        harness.send(first.message(.release, ciaddr: ack.yiaddr!, portParams: ack.portParams), from: first)
        #expect(harness.engine.previousBinding(of: first.key) != nil)
        let second = TestClient(2)
        let taken = harness.dora(second)
        #expect(taken.portParams == ack.portParams, "the lowest free set goes to the next client")
        #expect(harness.engine.previousBinding(of: first.key) == nil)
    }
}
