// Wire codec micro-benchmarks (issue 2): the two operations every lease exchange
// pays on the server: decoding a relayed DHCPV4-QUERY and encoding the relayed
// DHCPV4-RESPONSE. Goal: each under 250 ns and 0 mallocs in the steady state.
//
// Run: cd Benchmarks && swift package benchmark --target WireCodec

import Benchmark
import PortLeaseWire

/// A DHCPDISCOVER asking for option 159, as a CPE sends it, relayed once by an
/// access router that adds Interface-ID and Remote-ID.
func relayedDiscover() -> [UInt8] {
    let mac: [UInt8] = [0x02, 0x00, 0x5E, 0x10, 0x20, 0x30]
    let discover = DHCPv4Message(
        header: DHCPv4Header(
            op: DHCPv4Header.bootRequest, xid: 0x1234_5678, chaddr: ClientHardwareAddress(bytes: mac)),
        options: [
            .init(.messageType, [DHCPv4MessageType.discover.rawValue]),
            .init(.clientIdentifier, [0xFF, 0, 0, 0, 1, 0, 3, 0, 1] + mac),
            .init(.parameterRequestList, [1, 3, 6, 15, 26, 159]),
            .init(.portParams, [6, 6, 0, 0]),
        ])
    let query = DHCPv6Message(
        type: .dhcpv4Query, transactionID: 0, options: [.init(.dhcpv4Message, discover.encoded())])
    let relay = RelayMessage(
        type: .relayForward, hopCount: 0,
        linkAddress: IPv6Address("2001:db8:100::1")!, peerAddress: IPv6Address("2001:db8:100:5::10")!,
        options: [
            .init(.interfaceID, Array("ge-0/0/1.100".utf8)),
            .init(.remoteID, [0, 0, 0x0D, 0xE9] + Array("cpe-000042".utf8)),
            .init(.relayMessage, query.encoded()),
        ])
    return relay.encoded()
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal, .instructions],
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )

    let datagram = relayedDiscover()

    Benchmark("Decode relayed DHCPV4-QUERY (DISCOVER)") { benchmark in
        datagram.withUnsafeBytes { raw in
            for _ in benchmark.scaledIterations {
                do throws(WireError) {
                    let packet = try DHCPv6Packet(parsing: raw)
                    let query = try DHCPv4QueryView(packet.message)
                    let message = try DHCPv4MessageView(parsing: query.dhcpv4Message)
                    blackHole(packet.relays.innermost?.interfaceID)
                    blackHole(message.messageType)
                    blackHole(message.clientKeyHash)
                    blackHole(message.portParams)
                    blackHole(query.isUnicast)
                } catch {
                    fatalError("benchmark input does not parse: \(error)")
                }
            }
        }
    }

    Benchmark("Encode relayed DHCPV4-RESPONSE (OFFER with option 159)") { benchmark in
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 1500, alignment: 16)
        defer { output.deallocate() }
        let routers = [IPv4Address(198, 51, 100, 1)]
        let dns = [IPv4Address(192, 0, 2, 53), IPv4Address(192, 0, 2, 54)]
        let portSet = try! PortParams(offset: 6, psidLength: 6, psid: 0x29)
        datagram.withUnsafeBytes { raw in
            let packet = try! DHCPv6Packet(parsing: raw)
            let query = try! DHCPv4QueryView(packet.message)
            let request = try! DHCPv4MessageView(parsing: query.dhcpv4Message)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var writer = ByteWriter(output)
                do throws(WireError) {
                    try writer.writeRelayReplies(mirroring: packet.relays) { (inner) throws(WireError) in
                        try inner.writeDHCPv4Response { (dhcp) throws(WireError) in
                            var header = request.header
                            header.op = DHCPv4Header.bootReply
                            header.yiaddr = IPv4Address(198, 51, 100, 7)
                            try dhcp.writeDHCPv4Header(header)
                            try dhcp.writeDHCPv4Option(.messageType, DHCPv4MessageType.offer.rawValue)
                            try dhcp.writeDHCPv4Option(.serverIdentifier, IPv4Address(192, 0, 2, 1))
                            try dhcp.writeDHCPv4Option(.leaseTime, UInt32(3600))
                            try dhcp.writeDHCPv4Option(.renewalTime, UInt32(1800))
                            try dhcp.writeDHCPv4Option(.rebindingTime, UInt32(3150))
                            try dhcp.writeDHCPv4Option(.subnetMask, IPv4Address(255, 255, 255, 0))
                            try dhcp.writeDHCPv4Option(.routers, addresses: routers)
                            try dhcp.writeDHCPv4Option(.domainNameServers, addresses: dns)
                            try portSet.write(to: &dhcp)
                            try dhcp.writeDHCPv4End()
                        }
                    }
                } catch {
                    fatalError("encode failed: \(error)")
                }
                blackHole(writer.position)
            }
            benchmark.stopMeasurement()
        }
    }
}
