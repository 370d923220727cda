import LeaseEngine
import PortLeaseWire
import Testing

@testable import PortLeaseServer

@Suite struct DiscoverRateLimiterTests {
    let duid: [UInt8] = [0, 3, 0, 1, 2, 0, 0x5E, 0, 0, 1]
    let settings = DiscoverRate(perSecond: 10, burst: 20, prefixLength: 64)

    @Test func aSourceGetsItsBurstThenItsRate() {
        let limiter = DiscoverRateLimiter(settings)
        let source = IPv6Address("2001:db8:1:2::77")!
        #expect((0..<100).filter { _ in limiter.admit(source, now: 1000) }.count == 20)
        // Another address of the same /64 shares the bucket; another /64 does not.
        #expect(!limiter.admit(IPv6Address("2001:db8:1:2::78")!, now: 1000))
        #expect(limiter.admit(IPv6Address("2001:db8:1:3::77")!, now: 1000))
        // 10 per second: half a second later, five more.
        #expect((0..<100).filter { _ in limiter.admit(source, now: 1500) }.count == 5)
        // An hour of quiet refills the bucket, but never above the burst.
        #expect((0..<100).filter { _ in limiter.admit(source, now: 3_601_500) }.count == 20)
    }

    @Test func otherSourcesSharingItsSetNeverRefillAFloodersBucket() {
        let limiter = DiscoverRateLimiter(settings, seed: 7)
        let flooder = IPv6Address("2001:db8:bad::1")!
        var admitted = 0
        // Ten seconds: the flooder sends 100 a millisecond, and 30,000 other /64s (more
        // than the 4,096 sets) each send one DISCOVER among them.
        for millisecond in 0..<10_000 {
            for _ in 0..<100 where limiter.admit(flooder, now: Int64(millisecond)) { admitted += 1 }
            for other in 0..<3 {
                let number = UInt64(millisecond * 3 + other)
                _ = limiter.admit(
                    IPv6Address(high: 0x2001_0DB8_0000_0000 | number << 16, low: 1), now: Int64(millisecond))
            }
        }
        // The burst, then 10 a second for 10 s (the last refill may round down).
        #expect(admitted <= 20 + 100)
        #expect(admitted >= 20 + 99)
    }

    @Test func linkLocalSourcesAreCountedOneByOne() {
        let limiter = DiscoverRateLimiter(settings)
        let first = IPv6Address("fe80::1")!
        #expect((0..<30).filter { _ in limiter.admit(first, now: 0) }.count == 20)
        #expect(limiter.admit(IPv6Address("fe80::2")!, now: 0))
    }

    /// The classifier limits DISCOVERs by the client's address (the innermost relay's
    /// peer-address), and never other messages.
    @Test func theClassifierDropsDiscoversOverTheRateAndCountsThem() {
        let classifier = Classifier(
            shardCount: 2, serverDUID: duid, serverAddresses: [IPv6Address("2001:db8::1")!], discoverRate: settings)
        let counters = ServerCounters()
        var out = [UInt8](repeating: 0, count: 1500)
        func classify(_ bytes: [UInt8], from source: IPv6Address) -> Classifier.Decision {
            bytes.withUnsafeBytes { raw in
                out.withUnsafeMutableBytes { buffer in
                    var writer = ByteWriter(buffer)
                    return classifier.classify(raw, source: source, reply: &writer, counters: counters, now: { 5000 })
                }
            }
        }
        let relay = IPv6Address("2001:db8:ffff::1")!
        var routed = 0
        for number in 0..<40 {
            // 40 fresh client identifiers from one /64 (every WireClient's), through one relay.
            let client = WireClient(number: number)
            if case .query = classify(client.datagram(client.dhcpv4(.discover), relayed: true), from: relay) {
                routed += 1
            }
        }
        #expect(routed == 20)
        #expect(counters.drops(.discoverRate) == 20)
        // The relay's own address is not what counts: unrelayed, from another /64,
        // a DISCOVER passes; and REQUESTs are never limited.
        let other = WireClient(number: 1000)
        #expect(
            classify(other.datagram(other.dhcpv4(.discover)), from: IPv6Address("2001:db8:200::9")!)
                != .dropped(.discoverRate))
        let same = WireClient(number: 0)
        #expect(classify(same.datagram(same.dhcpv4(.request), relayed: true), from: relay) != .dropped(.discoverRate))
    }
}
