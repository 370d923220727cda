import Benchmark
import LeaseEngine
import LeaseLog
import PortLeaseWire

/// One engine (shard 0 of 1) with a single MAP shared pool (a = 6, k = 6), driven
/// through whole relayed datagrams the way a shard worker drives it: decode the
/// DHCPV4-QUERY, `handle`, encode the relayed DHCPV4-RESPONSE, and batch the records.
///
/// Benchmarks run their closures one at a time on one thread, which is what makes
/// the unchecked Sendable conformance sound here.
final class LeaseEngineFixture: @unchecked Sendable {
    static let serverIdentifier = IPv4Address(192, 0, 2, 1)
    /// Lease lifetime in the pool, seconds.
    static let lifetime: UInt32 = 3600
    /// Records are kept in a reused batch, cleared every this many exchanges (a
    /// shard's group commit).
    static let batchSize = 256

    let engine: LeaseEngine
    /// Milliseconds since the epoch; moved forward only between samples.
    var now: Int64 = 1_800_000_000_000
    var records: [LeaseRecord] = []
    /// The last client number used: every new client takes the next one.
    var lastClient: UInt32 = 0
    /// Bound leases by client number - 1, for renewals.
    var bound: [(address: IPv4Address, params: PortParams?)] = []
    private var exchangesInBatch = 0
    private let scratch: UnsafeMutableRawBufferPointer
    private let output: UnsafeMutableRawBufferPointer
    /// The datagram source when a query is not relayed (never used: every template is relayed).
    private let source = IPv6Address(high: 0x2001_0DB8_0100_0005, low: 1)

    let discover = DatagramTemplate(.discover, portParams: false)
    let selecting = DatagramTemplate(.request, selecting: true)
    let renewing = DatagramTemplate(.request, renewing: true)

    /// An engine whose pool spans `addresses` addresses from 100.64.0.0 (63 port
    /// sets each: PSID 0 holds the reserved ports 0...1023), with table room for
    /// `clients` clients. With `subscriberLimit`, at most 4 leases per Remote-ID (the
    /// per-subscriber counts then take memory too).
    init(addresses: UInt32, clients: Int, subscriberLimit: Bool = true) {
        let first = IPv4Address(100, 64, 0, 0)
        let pool = PoolPolicy(
            name: "map",
            kind: .shared(.init(psidOffset: 6, defaultPSIDLength: 6, reservedPorts: [0...1023])),
            addressRanges: [first...IPv4Address(first.value + addresses - 1)], validLifetime: Self.lifetime,
            options: PoolOptions(
                subnetMask: IPv4Address(255, 255, 255, 0), routers: [IPv4Address(100, 64, 0, 1)],
                domainNameServers: [IPv4Address(192, 0, 2, 53), IPv4Address(192, 0, 2, 54)],
                domainName: "isp.example"))
        let configuration = EngineConfiguration(
            serverIdentifier: Self.serverIdentifier, pools: [pool], offerLifetime: 30, declineQuarantine: 600,
            leasesPerSubscriber: subscriberLimit ? 4 : nil, subscriberKey: subscriberLimit ? .remoteID : .none)
        engine = try! LeaseEngine.makeShards(configuration, count: 1)[0]
        engine.reserveCapacity(clients)
        records.reserveCapacity(2 * Self.batchSize)
        scratch = .allocate(byteCount: 1500, alignment: 16)
        output = .allocate(byteCount: 1500, alignment: 16)
    }

    deinit {
        scratch.deallocate()
        output.deallocate()
    }

    /// One query/response exchange on `template`'s datagram: decode, decide, encode
    /// the relayed response, batch the records. Returns the engine's DHCPv4 reply
    /// (valid until the next exchange) and its type.
    @discardableResult
    func exchange(_ template: DatagramTemplate) -> (type: DHCPv4MessageType, reply: UnsafeRawBufferPointer) {
        var dhcp = ByteWriter(scratch)
        var writer = ByteWriter(output)
        let type: DHCPv4MessageType
        do throws(WireError) {
            let packet = try DHCPv6Packet(parsing: template.datagram)
            let queryView = try DHCPv4QueryView(packet.message)
            let message = try DHCPv4MessageView(parsing: queryView.dhcpv4Message)
            let query = EngineQuery(query: queryView, message: message, relays: packet.relays, source: source)
            guard case .reply(let replyType, _) = engine.handle(query, now: now, reply: &dhcp, records: &records)
            else { fatalError("the engine dropped a benchmark query") }
            type = replyType
            let body = dhcp.written
            try writer.writeRelayReplies(mirroring: packet.relays) { (inner) throws(WireError) in
                try inner.writeDHCPv4Response { (response) throws(WireError) in try response.write(bytes: body) }
            }
        } catch {
            fatalError("benchmark exchange failed: \(error)")
        }
        blackHole(writer.position)
        exchangesInBatch += 1
        if exchangesInBatch == Self.batchSize {
            records.removeAll(keepingCapacity: true)
            exchangesInBatch = 0
        }
        return (type, dhcp.written)
    }

    /// DISCOVER -> OFFER, SELECTING REQUEST -> ACK for client `number`. Returns the
    /// bound address and port set.
    @discardableResult
    func dora(_ number: UInt32) -> (address: IPv4Address, params: PortParams?) {
        discover.setClient(number)
        let offer = exchange(discover)
        precondition(offer.type == .offer)
        let (address, params) = Self.binding(in: offer.reply)
        selecting.setClient(number)
        selecting.setBinding(address, params)
        let ack = exchange(selecting)
        precondition(ack.type == .ack)
        return (address, params)
    }

    /// RENEWING REQUEST (ciaddr, option 159, U flag) -> ACK for client `number` holding `binding`.
    func renew(_ number: UInt32, _ address: IPv4Address, _ params: PortParams?) {
        renewing.setClient(number)
        renewing.setBinding(address, params)
        let ack = exchange(renewing)
        precondition(ack.type == .ack)
    }

    /// What the client reads from an OFFER: yiaddr and option 159.
    static func binding(in reply: UnsafeRawBufferPointer) -> (IPv4Address, PortParams?) {
        guard let view = try? DHCPv4MessageView(parsing: reply) else { fatalError("the engine's reply does not parse") }
        return (view.header.yiaddr, view.portParams)
    }

    /// Binds `count` new clients, remembered in ``bound`` when `remember` (the memory
    /// measurement leaves them out, so it counts only what the engine holds).
    func bindClients(_ count: Int, remember: Bool = true) {
        if remember { bound.reserveCapacity(count) }
        for _ in 0..<count {
            lastClient += 1
            let binding = dora(lastClient)
            if remember { bound.append(binding) }
        }
        records.removeAll(keepingCapacity: true)
        exchangesInBatch = 0
    }

    /// Moves the clock past every lease and offer deadline and reclaims them, so the
    /// pool never runs out; the expire records are dropped with the batch.
    func expireEverything() {
        now += Int64(Self.lifetime + 60) * 1000
        engine.expire(now: now, records: &records)
        records.removeAll(keepingCapacity: true)
        exchangesInBatch = 0
    }
}
