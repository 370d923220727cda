// LeaseEngine benchmarks (issue 5): a whole in-process exchange as a shard worker
// runs it (decode the relayed DHCPV4-QUERY, decide, encode the relayed
// DHCPV4-RESPONSE, batch the log records, no fsync), for a new client's DORA and
// for a renewal; and the memory one active lease costs at 1M and 10M leases.
// Goal: <= 1 us per exchange, 0 mallocs in the steady state, <= 64 bytes per
// active lease plus the client key bytes.
//
// Run: cd Benchmarks && swift package benchmark --target LeaseEngineExchange
// (one of them: add --filter "Memory per lease, 10M")

import Benchmark
import LeaseEngine
import PortLeaseWire

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal, .instructions],
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )

    // 4096 addresses x 63 port sets: 258k sets, far more than one sample's 1000
    // clients; everything is expired between samples, so the table settles at the
    // clients whose previous binding has not been reused yet.
    let newClients = LeaseEngineFixture(addresses: 4096, clients: 4096 * 64)

    Benchmark("DORA new client (2 exchanges)") { benchmark in
        newClients.expireEverything()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            newClients.lastClient += 1
            newClients.dora(newClients.lastClient)
        }
        benchmark.stopMeasurement()
    }

    let renewals = LeaseEngineFixture(addresses: 4096, clients: 100_000)
    renewals.bindClients(100_000)
    var nextRenewal = 0

    Benchmark("Renew bound lease (RENEWING REQUEST -> ACK)") { benchmark in
        for _ in benchmark.scaledIterations {
            let binding = renewals.bound[nextRenewal]
            renewals.renew(UInt32(nextRenewal + 1), binding.address, binding.params)
            nextRenewal = nextRenewal + 1 == renewals.bound.count ? 0 : nextRenewal + 1
        }
    }

    for (leases, limit) in [(1_000_000, true), (10_000_000, true), (1_000_000, false), (10_000_000, false)] {
        let name = "Memory per lease, \(leases / 1_000_000)M" + (limit ? "" : ", no subscriber limit")
        let virtualMetric = BenchmarkMetric.custom("virtual bytes per lease", useScalingFactor: false)
        let residentMetric = BenchmarkMetric.custom("resident bytes per lease", useScalingFactor: false)
        Benchmark(
            name,
            configuration: .init(
                metrics: [virtualMetric, residentMetric], warmupIterations: 0, scalingFactor: .one,
                maxDuration: .seconds(600), maxIterations: 1)
        ) { benchmark in
            let usage = MemoryUsage.measure {
                // 63 port sets per address; a few addresses to spare.
                let fixture = LeaseEngineFixture(
                    addresses: UInt32(leases / 63 + 64), clients: leases, subscriberLimit: limit)
                fixture.bindClients(leases, remember: false)
                return fixture
            }
            benchmark.measurement(virtualMetric, usage.virtualBytes / leases)
            benchmark.measurement(residentMetric, usage.residentBytes / leases)
            print(
                "\(name): \(usage.virtualBytes / leases) virtual, \(usage.residentBytes / leases) resident bytes per lease"
            )
        }
    }
}
