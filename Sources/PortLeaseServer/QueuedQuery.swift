import LeaseEngine
import PortLeaseWire

/// A DHCPV4-QUERY as a shard worker takes it from its queue: parsed down to the DHCPv4
/// message, and able to write its reply back around the same relay chain.
///
/// The one place for a worker's per-datagram wire steps, shared by ``ShardWorker`` and the
/// fuzzing harness that drives the same path (`Fuzz/Support/ServerPath.swift`). The views
/// point into the queue slot's bytes, valid only while the worker's drain call lasts.
package struct QueuedQuery {
    package let packet: DHCPv6Packet
    package let query: DHCPv4QueryView
    package let message: DHCPv4MessageView

    /// Parses a queued datagram; nil when it does not parse (the classifier already parsed
    /// it, so that is a bug: the worker counts it, the fuzzer traps on it).
    package init?(_ payload: UnsafeRawBufferPointer) {
        do throws(WireError) {
            packet = try DHCPv6Packet(parsing: payload)
            query = try DHCPv4QueryView(packet.message)
            message = try DHCPv4MessageView(parsing: query.dhcpv4Message)
        } catch {
            return nil
        }
    }

    /// What the engine decides on: this query from `source`, arrived on `interface`.
    package func engineQuery(source: IPv6Address, interface: String?) -> EngineQuery {
        EngineQuery(query: query, message: message, relays: packet.relays, source: source, interface: interface)
    }

    /// Writes the DHCPV4-RESPONSE carrying the engine's reply `body` into `target`, inside
    /// Relay-reply messages mirroring the query's relays. Returns the bytes written, or nil
    /// when it does not fit.
    package func writeResponse(_ body: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer) -> Int? {
        var writer = ByteWriter(target)
        do throws(WireError) {
            try writer.writeRelayReplies(mirroring: packet.relays) { (inner) throws(WireError) in
                try inner.writeDHCPv4Response { (dhcpv4) throws(WireError) in try dhcpv4.write(bytes: body) }
            }
        } catch {
            return nil
        }
        return writer.position
    }
}
