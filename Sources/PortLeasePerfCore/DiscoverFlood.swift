import PortLeaseSystem
import PortLeaseTransport
import PortLeaseWire

/// A hostile DISCOVER flood for the flood benchmark (`portlease-perf flood`): unrelayed
/// DHCPV4-QUERYs carrying DISCOVERs, each with a fresh random client identity, sent
/// open-loop at a fixed rate from one socket (one IPv6 source).
///
/// Paced in 1 ms ticks by the monotonic clock; each query is built into the
/// `QueryBuilder`'s one buffer, so sending allocates nothing. Replies (OFFERs to the
/// flood's identities) are drained and counted between ticks: how many port sets
/// the flood got the server to reserve.
public final class DiscoverFlood {
    /// What the flood did.
    public struct Report: Sendable, CustomStringConvertible {
        public var sent = 0
        /// Datagrams not sent because the socket's send buffer was full.
        public var sendBufferFull = 0
        public var replies = 0
        public var seconds = 0.0

        public var description: String {
            let rate = seconds > 0 ? Int(Double(sent) / seconds) : 0
            return
                "flood: sent \(sent) DISCOVERs in \(String(format2(seconds))) s (\(rate)/s), "
                + "\(sendBufferFull) not sent (send buffer full), \(replies) replies (offers to the flood)"
        }

        private func format2(_ value: Double) -> String {
            let hundredths = Int((value * 100).rounded())
            let fraction = hundredths % 100
            return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
        }
    }

    private let socket: UDPSocket
    private let server: SocketAddress6
    private let builder = QueryBuilder(relays: 0)
    private var random: SeededRandom

    /// A flood towards `server` from a socket bound to `source` (port chosen by the kernel).
    public init(server: SocketAddress6, source: IPv6Address, seed: UInt64) throws(TransportError) {
        socket = try UDPSocket(bind: source, port: 0)
        self.server = server
        random = SeededRandom(seed: seed | 1)
    }

    /// The socket's address: the flood's one source.
    public var localAddress: SocketAddress6 { socket.localAddress }

    /// Sends `rate` DISCOVERs a second for `seconds`.
    public func run(rate: Int, seconds: Double) throws(TransportError) -> Report {
        var report = Report()
        let start = SystemClock.monotonicNanoseconds()
        let end = start + UInt64(seconds * 1e9)
        let replyBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { replyBuffer.deallocate() }
        var now = start
        while now < end {
            let due = Int(Double(now - start) / 1e9 * Double(rate))
            while report.sent + report.sendBufferFull < due {
                let index = Int(truncatingIfNeeded: random.next() % UInt64(SubscriberIdentity.maximumCount))
                let subscriber = SubscriberIdentity(index)
                let query = builder.dhcpv4Query(
                    DHCPv4QuerySpec(type: .discover), subscriber: subscriber,
                    transactionID: UInt32(truncatingIfNeeded: random.next()))
                if try socket.send(query, to: server) != nil {
                    report.sent += 1
                } else {
                    report.sendBufferFull += 1
                }
            }
            while try socket.receive(into: replyBuffer) != nil { report.replies += 1 }
            // The next tick: 1 ms later.
            SystemClock.sleep(untilMonotonicNanoseconds: min(now + 1_000_000, end))
            now = SystemClock.monotonicNanoseconds()
        }
        report.seconds = Double(SystemClock.monotonicNanoseconds() - start) / 1e9
        return report
    }
}
