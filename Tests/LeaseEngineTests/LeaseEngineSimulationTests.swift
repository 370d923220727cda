import Foundation
import LeaseEngine
import LeaseLog
import PortLeaseTestSupport
import PortLeaseWire
import Testing

/// Thousands of simulated clients doing random DORA, renew, rebind, release,
/// decline, reboot and vanishing, with time jumping forward, on pools small enough
/// to be contended. Checked as it runs:
/// - no two current bindings share a slot (overlapping port sets of any size);
/// - every ACK carries a lease the client now holds and came with its record;
/// - the per-subscriber limit holds;
/// - replaying the records so far into a fresh engine rebuilds the same leases.
@Suite struct LeaseEngineSimulationTests {
    struct SimulatedClient {
        var client: TestClient
        var lease: (address: IPv4Address, params: PortParams?)?
    }

    static let limit = 4

    static func configuration() -> EngineConfiguration {
        Fixtures.configuration(
            [
                Fixtures.sharedPool("map", "198.51.100.1", "198.51.100.16", minimum: 4),
                Fixtures.fullPool("full", "203.0.113.16", "203.0.113.23"),
            ], limit: limit, subscriberKey: .clientPrefix(length: 56))
    }

    /// True when two bindings' port sets intersect: same address, and one PSID is a
    /// prefix of the other (a full address intersects everything on its address).
    static func overlap(_ a: Binding, _ b: Binding) -> Bool {
        guard a.address == b.address else { return false }
        let (short, long) = a.psidLength <= b.psidLength ? (a, b) : (b, a)
        return long.psid >> UInt16(long.psidLength - short.psidLength) == short.psid
    }

    static func checkNoSharedSlots(_ engine: LeaseEngine) {
        var byAddress: [IPv4Address: [Binding]] = [:]
        for (_, state) in engine.currentBindings() {
            for other in byAddress[state.binding.address, default: []] {
                #expect(!overlap(other, state.binding), "\(other) and \(state.binding) overlap")
            }
            byAddress[state.binding.address, default: []].append(state.binding)
        }
    }

    static func checkSubscriberLimit(_ engine: LeaseEngine) {
        var perSite: [UInt64: Int] = [:]
        for (key, _) in engine.currentBindings() {
            // TestClient numbers are encoded in the last 4 bytes of the client id; ten per /56.
            let bytes = key.bytes
            let number = bytes.suffix(4).reduce(0) { $0 << 8 | Int($1) }
            perSite[UInt64(number / 10), default: 0] += 1
        }
        #expect(
            perSite.values.allSatisfy { $0 <= limit }, "a site over its limit: \(perSite.filter { $0.value > limit })")
    }

    /// Writes `records` to a lease log, compacting it while it grows (small segments, a pass
    /// after every few commits), then recovers the log (snapshot + live segments) into a fresh
    /// engine at `now` and compares bound leases: compaction must not change what recovery rebuilds.
    static func checkRecoveryThroughCompaction(_ records: [LeaseRecord], against engine: LeaseEngine, now: Int64)
        throws
    {
        let directory = NSTemporaryDirectory() + "portlease-simulation-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 8192, durability: .none))
        let compactor = LogCompactor(directory: directory)
        var passes = 0
        for (index, record) in records.enumerated() {
            try log.append(record)
            if index % 50 == 49 { try log.commit() }
            if index % 400 == 399, try compactor.compact() != nil { passes += 1 }
        }
        try log.commit()
        log.close()
        #expect(passes > 0)
        var recovered: [LeaseRecord] = []
        _ = try LeaseLog(directory: directory) { recovered.append($0.record) }
        #expect(recovered.count < records.count)
        try checkReplay(recovered, against: engine, now: now)
    }

    /// Replays `records` into a fresh engine at `now` and compares bound leases.
    static func checkReplay(_ records: [LeaseRecord], against engine: LeaseEngine, now: Int64) throws {
        let rebuilt = try EngineHarness(configuration())
        for record in records { rebuilt.engine.replay(record) }
        var expired: [LeaseRecord] = []
        rebuilt.engine.expire(now: now, records: &expired)
        #expect(rebuilt.engine.counters.replayConflicts == 0)
        let bound = { (engine: LeaseEngine) in
            Dictionary(
                uniqueKeysWithValues: engine.currentBindings().filter { $0.state.kind == .bound }.map {
                    (
                        $0.key,
                        [
                            $0.state.binding.address.value, UInt32($0.state.binding.psid),
                            UInt32($0.state.binding.psidLength),
                        ]
                    )
                })
        }
        let (replayed, live) = (bound(rebuilt.engine), bound(engine))
        let differing = Set(replayed.keys).union(live.keys).filter { replayed[$0] != live[$0] }
        #expect(
            differing.isEmpty,
            "\(differing.count) clients differ, e.g. \(differing.prefix(3).map { "\($0): \(String(describing: replayed[$0])) vs \(String(describing: live[$0]))" })"
        )
    }

    @Test(arguments: [0x5EED_0001, 0x5EED_0002] as [UInt64])
    func randomClientsKeepEveryInvariant(seed: UInt64) throws {
        let harness = try EngineHarness(Self.configuration())
        var random = SplitMix(seed: seed)
        var clients = (0..<2000).map { SimulatedClient(client: TestClient($0, wantsPortParams: $0 % 7 != 0)) }
        var acks = 0
        var naks = 0
        for step in 1...12_000 {
            let index = Int(random.next() % UInt64(clients.count))
            var simulated = clients[index]
            let client = simulated.client
            let roll = random.next() % 100
            var exchange: Exchange?
            if let lease = simulated.lease {
                switch roll {
                case 0..<35:  // RENEWING
                    exchange = harness.send(
                        client.message(.request, ciaddr: lease.address, portParams: lease.params), from: client,
                        unicast: true)
                case 35..<50:  // REBINDING
                    exchange = harness.send(
                        client.message(.request, ciaddr: lease.address, portParams: lease.params), from: client,
                        unicast: false)
                case 50..<65:  // INIT-REBOOT
                    exchange = harness.send(
                        client.message(.request, requested: lease.address, portParams: lease.params), from: client)
                case 65..<80:
                    harness.send(
                        client.message(.release, ciaddr: lease.address, portParams: lease.params), from: client)
                    simulated.lease = nil
                case 80..<85:
                    harness.send(
                        client.message(.decline, requested: lease.address, portParams: lease.params), from: client)
                    simulated.lease = nil
                default:  // vanishes: forgets its lease without telling anyone
                    simulated.lease = nil
                }
            } else {
                let hint =
                    roll < 20 ? try PortParams(offset: 0, psidLength: UInt8(4 + random.next() % 3), psid: 0) : nil
                let offer = harness.send(client.message(.discover, portParams: hint), from: client)
                if offer.replyType == .offer, let yiaddr = offer.yiaddr {
                    let server = roll < 90 ? Fixtures.serverID : IPv4Address("192.0.2.99")!
                    exchange = harness.send(
                        client.message(
                            .request, requested: yiaddr, serverIdentifier: server, portParams: offer.portParams),
                        from: client)
                }
            }
            if let exchange {
                switch exchange.replyType {
                case .ack?:
                    acks += 1
                    let granted = try #require(exchange.granted)
                    simulated.lease = (granted.address, exchange.portParams)
                    let state = try #require(harness.engine.lease(of: client.key))
                    #expect(state.kind == .bound)
                    #expect(state.binding.address == granted.address && state.binding.psid == granted.psid)
                    #expect(harness.engine.holder(of: state.binding) == client.key)
                    let record = try #require(exchange.records.last, "an ACK without its record")
                    #expect([.bind, .renew].contains(record.event))
                    #expect(record.address == granted.address && record.psid == granted.psid)
                    #expect(exchange.outcome == .reply(.ack, afterCommit: true))
                    if client.wantsPortParams == false { #expect(exchange.portParams == nil) }
                case .nak?:
                    naks += 1
                    simulated.lease = nil
                default:
                    if exchange.outcome == .dropped(.unknownClient) { simulated.lease = nil }
                }
            }
            clients[index] = simulated
            if random.next() % 20 == 0 { harness.advance(seconds: Int64(random.next() % 400)) }
            if random.next() % 1000 == 0 { harness.advance(seconds: 4000) }
            if step % 500 == 0 {
                Self.checkNoSharedSlots(harness.engine)
                Self.checkSubscriberLimit(harness.engine)
            }
            if step % 4000 == 0 {
                try Self.checkReplay(harness.allRecords, against: harness.engine, now: harness.now)
                try Self.checkRecoveryThroughCompaction(harness.allRecords, against: harness.engine, now: harness.now)
            }
        }
        #expect(acks > 3000)
        #expect(naks > 0)
        #expect(harness.engine.counters.expirations > 0)
        #expect(harness.engine.counters.dropped(.subscriberLimit) > 0)
        #expect(harness.engine.counters.dropped(.poolsExhausted) > 0)
    }
}
