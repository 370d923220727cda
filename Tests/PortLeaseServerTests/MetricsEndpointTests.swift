import Foundation
import LeaseEngine
import PortLeaseServer
import PortSetPool
import Testing

@Suite struct MetricsEndpointTests {
    /// Fetches `path` from 127.0.0.1:`port` with a plain socket and returns the response.
    func fetch(_ path: String, port: UInt16) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(connected == 0)
        let request = Array("GET \(path) HTTP/1.0\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        return String(decoding: response, as: UTF8.self)
    }

    @Test func scrapeReturnsPrometheusTextWithEveryFamily() throws {
        let counters = ServerCounters()
        counters.countReceived(type: 20)
        counters.countDrop(.malformedDHCPv4)
        let configuration = ServerFixtures.engineConfiguration()
        let pools = try LeaseEngine.makePools(for: configuration, shards: 1)
        _ = try pools[0].allocate(from: 0, psidLength: 6)
        for _ in 0..<15 { _ = try pools[1].allocate(from: 0, psidLength: 0) }
        let renderer = MetricsRenderer(
            counters: counters, shards: [ShardStatistics()], queues: [ShardQueue(capacity: 4)],
            pools: PoolWatch(policies: configuration.pools, pools: pools))
        let endpoint = try MetricsEndpoint(host: "127.0.0.1", port: 0) { renderer.render() }
        let thread = Thread { endpoint.run() }
        thread.start()
        defer { endpoint.stop() }
        let response = try fetch("/metrics", port: endpoint.port)
        #expect(response.hasPrefix("HTTP/1.0 200 OK"))
        #expect(response.contains("portlease_datagrams_received_total{type=\"dhcpv4-query\"} 1"))
        #expect(response.contains("portlease_datagrams_dropped_total{reason=\"malformed-dhcpv4\"} 1"))
        #expect(response.contains("portlease_port_sets{pool=\"map\",psid_length=\"6\",state=\"used\"} 1"))
        #expect(response.contains("portlease_port_sets{pool=\"full\",psid_length=\"0\",state=\"free\"} 1"))
        #expect(response.contains("portlease_log_commit_seconds_bucket{shard=\"0\",le=\"+Inf\"} 0"))
        #expect(response.contains("portlease_queue_depth{shard=\"0\"} 0"))
        #expect(response.contains("portlease_queue_delay_seconds_bucket{shard=\"0\",le=\"1.000000\"} 0"))
        #expect(response.contains("portlease_queue_delay_seconds_count{shard=\"0\"} 0"))
        // 1 of the map pool's 512 port sets; 15 of the 16 full addresses.
        #expect(response.contains("portlease_pool_utilisation{pool=\"map\"} 0.001"))
        #expect(response.contains("portlease_pool_utilisation{pool=\"full\"} 0.937"))
        #expect(response.contains("portlease_pool_utilisation_alarm_threshold{pool=\"full\"} 0.900"))
        #expect(response.contains("portlease_pool_utilisation_alarm{pool=\"map\"} 0"))
        #expect(response.contains("portlease_pool_utilisation_alarm{pool=\"full\"} 1"))
        #expect(response.contains("portlease_pool_exhausted_total{pool=\"map\"} 0"))
        let missing = try fetch("/nope", port: endpoint.port)
        #expect(missing.hasPrefix("HTTP/1.0 404"))
    }
}
