import PortLeaseFuzzSupport
import PortLeaseServer
import PortLeaseWire

/// libFuzzer harness `wire`: one input is one UDP payload, taken through the same path as
/// the `datagram` harness (``ServerPath``: classifier, shard queue, the worker's parse,
/// `LeaseEngine.handle`, the Relay-reply chain), but fast enough for hundreds of millions of
/// inputs: one server for the whole process, no warm-up replay and no audit or restart.
///
/// Each input finds the server an hour (virtual) after the last one, after a worker's
/// expiry pass: every offer, lease and quarantine of the earlier inputs has run out, so an
/// input meets nearly the same idle server every time (only the table's memory of past
/// clients differs) and a crash reproduces on its own. What it checks: nothing traps, a
/// queued query always parses in the worker, and every reply parses as a client would
/// parse it. The deep checks (overlaps, pool counts, replay) are the `datagram` and
/// `engine` harnesses' job.
enum WireHarness {
    nonisolated(unsafe) static let path = FuzzSetup.datagram.makePath()
    /// Virtual time: milliseconds since the epoch for the engine, since start for the classifier.
    nonisolated(unsafe) static var elapsed: Int64 = 0
    static let hour: Int64 = 3_600_000

    static func run(_ datagram: UnsafeRawBufferPointer) {
        guard datagram.count <= ServerPath.slotSize else { return }
        elapsed += hour
        let now = FuzzSetup.startTime + elapsed
        path.expire(now: now)
        let delivery = path.deliver(
            datagram, origin: FuzzSetup.origin(UInt8(truncatingIfNeeded: elapsed / hour)), now: now,
            monotonicNow: elapsed)
        if let reply = delivery.reply {
            do throws(WireError) {
                _ = try ParsedReply(parsing: reply)
            } catch {
                fatalError("the server sent a reply that does not parse (\(error)): \(Array(reply))")
            }
        }
        for shard in path.records.indices { path.records[shard].removeAll(keepingCapacity: true) }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    WireHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
