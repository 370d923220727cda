import LeaseEngine
import LeaseLog
import PortLeaseWire

/// A DHCPV4-QUERY as a shard worker takes it from its queue: parsed down to the DHCPv4
/// message, and able to write its reply back around the same relay chain.
///
/// The one place for a worker's per-datagram wire steps, shared by ``ShardWorker`` and the
/// fuzzing harness that drives the same path (`Fuzz/Support/ServerPath.swift`). The
/// classifier parses each query once, on the receive thread; the queue copies the datagram
/// into its slot and moves the parse with it (``relocated(_:)``), so the worker does not
/// parse again. The views point into the queue slot's bytes, valid only while the worker's
/// drain call lasts.
package struct QueuedQuery {
    package let packet: DHCPv6Packet
    package let query: DHCPv4QueryView
    package let message: DHCPv4MessageView

    /// Parses a datagram; nil when it does not parse.
    package init?(_ payload: UnsafeRawBufferPointer) {
        do throws(WireError) {
            let packet = try DHCPv6Packet(parsing: payload)
            let query = try DHCPv4QueryView(packet.message)
            self.init(packet: packet, query: query, message: try DHCPv4MessageView(parsing: query.dhcpv4Message))
        } catch {
            return nil
        }
    }

    /// The parts of a parse already made (the classifier's).
    package init(packet: DHCPv6Packet, query: DHCPv4QueryView, message: DHCPv4MessageView) {
        self.packet = packet
        self.query = query
        self.message = message
    }

    /// The same query, read from the copy of its datagram `move` leads to.
    package func relocated(_ move: ByteRelocation) -> QueuedQuery {
        QueuedQuery(
            packet: packet.relocated(move), query: query.relocated(move), message: message.relocated(move))
    }

    /// What the engine decides on: this query from `source`, arrived on `interface`.
    package func engineQuery(source: IPv6Address, interface: String?) -> EngineQuery {
        EngineQuery(query: query, message: message, relays: packet.relays, source: source, interface: interface)
    }

    /// The worker's step for this query, on `engine` at `now`: the engine decides, appending
    /// its lease records to `records`, and writes its DHCPv4 reply in place inside the
    /// DHCPV4-RESPONSE and Relay-reply messages in `target`. Returns the outcome and the
    /// reply's length (nil: no reply, or it did not fit). When even the relay headers do not
    /// fit, the engine still decides (a RELEASE needs no reply) and its reply is dropped.
    package func answer(
        with engine: LeaseEngine, source: IPv6Address, interface: String?, now: Int64,
        records: inout [LeaseRecord], into target: UnsafeMutableRawBufferPointer
    ) -> (outcome: EngineOutcome, length: Int?) {
        var decided: EngineOutcome?
        let length = writeResponse(into: target) { (writer) in
            let outcome = engine.handle(
                engineQuery(source: source, interface: interface), now: now, reply: &writer, records: &records)
            decided = outcome
            if case .reply = outcome { return true }
            return false
        }
        if let decided { return (decided, length) }
        var writer = ByteWriter(target)
        let outcome = engine.handle(
            engineQuery(source: source, interface: interface), now: now, reply: &writer, records: &records)
        return (outcome, nil)
    }

    /// Writes a DHCPV4-RESPONSE into `target`, inside Relay-reply messages mirroring the
    /// query's relays, with the DHCPv4 message `body` writes in place (no copy of it), and
    /// returns the bytes written. Nil when it does not fit, or when `body` returns false (no
    /// reply). `body` runs at most once; it is not run when the relay headers alone do not fit.
    package func writeResponse(
        into target: UnsafeMutableRawBufferPointer, body: (inout ByteWriter) -> Bool
    ) -> Int? {
        var writer = ByteWriter(target)
        var replied = false
        do throws(WireError) {
            try writer.writeRelayReplies(mirroring: packet.relays) { (inner) throws(WireError) in
                try inner.writeDHCPv4Response { (dhcpv4) throws(WireError) in replied = body(&dhcpv4) }
            }
        } catch {
            return nil
        }
        return replied ? writer.position : nil
    }

    /// Writes the DHCPV4-RESPONSE carrying the DHCPv4 message `dhcpv4` (already written
    /// elsewhere) into `target`; see ``writeResponse(into:body:)``.
    package func writeResponse(_ dhcpv4: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer) -> Int? {
        writeResponse(into: target) { (writer) in (try? writer.write(bytes: dhcpv4)) != nil }
    }
}
