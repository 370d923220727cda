import Logging
import PortLeaseTransport

/// Moves DISCOVER shedding into the kernel while the workers are shedding DISCOVERs anyway.
///
/// When a shard's DISCOVER lane is nearly full, every further DISCOVER the receive thread
/// reads is dropped after it paid for the `recvmsg` and the parse: under twice a server's
/// saturation that was a sixth of its CPU (RESULTS.md, issue 17). From then on the sockets
/// carry ``DiscoverFilter``, which drops DISCOVERs before they are queued on them, and
/// everything else (renewals, REQUESTs finishing a DORA) still arrives. Once every lane has
/// drained to 80% the filter comes off and DISCOVERs flow again. Driven by the receive thread, once per batch.
/// If the kernel refuses the filter (a seccomp policy, say) it is logged once and not tried again.
struct KernelShedding {
    /// Attach at this share of a DISCOVER lane, in any shard.
    static let attachAt = 0.95
    /// Detach when every DISCOVER lane is at or below this share: close to ``attachAt``, so
    /// that near saturation the filter is on only briefly (while it is on it drops every
    /// DISCOVER, also those the workers would have had room for). Measured: detaching at a
    /// quarter cost up to 14% of goodput at saturation (RESULTS.md, issue 17).
    static let detachAt = 0.8

    private(set) var attached = false
    private var refused = false

    /// Checks the lanes after a batch and attaches or detaches the filter on `sockets`.
    mutating func update(queues: [ShardQueue], sockets: [UDPSocket], counters: ServerCounters, logger: Logger) {
        guard !refused else { return }
        let fullest = queues.reduce(0.0) { max($0, Double($1.depth(.starting)) / Double($1.capacity)) }
        let wanted = attached ? fullest > Self.detachAt : fullest >= Self.attachAt
        guard wanted != attached else { return }
        do throws(TransportError) {
            for socket in sockets { try socket.shedDiscoversInKernel(wanted) }
        } catch {
            refused = true
            for socket in sockets { try? socket.shedDiscoversInKernel(false) }
            attached = false
            counters.kernelFilterAttached.store(0, ordering: .relaxed)
            logger.warning(
                "cannot drop DISCOVERs in the kernel under overload; shedding them after reading instead",
                metadata: ["error": "\(error)"])
            return
        }
        attached = wanted
        counters.kernelFilterAttached.store(wanted ? 1 : 0, ordering: .relaxed)
        if wanted { counters.kernelFilterEpisodes.add(1, ordering: .relaxed) }
    }
}
