import PortLeaseWire
import Synchronization

/// Which client holds each subscriber's reservation, shared by every shard.
///
/// A client's own reservation needs no such record: only that client can ask for it, and
/// it lives on one shard. A subscriber's reservation (a Remote-ID, Subscriber-ID or
/// client prefix) is asked for by whichever client sits behind that key, and clients are
/// sharded by their own key, so two of them may ask on two shards at once. The holder
/// recorded here is the one client whose current binding (offer or lease) is the
/// reserved one; a shard gives the binding to a client only after ``claim(_:for:now:)``
/// has made it the holder, and ends a holder's binding before anyone else may claim it.
///
/// A client that asks while another holds it (a replaced CPE, whose predecessor's lease
/// has not ended) takes it over: the holder's shard ends that lease with a
/// `forcedRelease` record (``LeaseEngine/yieldReservation(_:heldBy:now:records:)``, asked
/// for through ``LeaseEngine/takeHandovers()``), and the newcomer's retransmitted DISCOVER
/// finds it free. One lock for all: it is taken only when a subscriber's reserved binding
/// is offered, taken over or ends, never on the path of other clients.
public final class ReservationHolders: Sendable {
    /// What ``claim(_:for:now:)`` found.
    public enum Claim: Equatable, Sendable {
        /// The binding is the asking client's now (it was free, or already its own).
        case claimed
        /// Another client holds it. `ask`: this caller should ask the holder's shard to end
        /// it (no one has asked in the last ``askInterval`` milliseconds).
        case heldBy(ClientKey, ask: Bool)
    }

    private struct Holding {
        var holder: ClientKey
        /// When a handover was last asked for (milliseconds), 0: never.
        var askedAt: Int64
    }

    /// How long a handover asked for is given before another client's query asks again.
    public static let askInterval: Int64 = 1_000

    private let holdings = Mutex<[Binding: Holding]>([:])

    public init() {}

    /// Makes `client` the holder of `binding` if no one else is.
    public func claim(_ binding: Binding, for client: ClientKey, now: Int64) -> Claim {
        holdings.withLock { holdings in
            guard var holding = holdings[binding], holding.holder != client else {
                holdings[binding] = Holding(holder: client, askedAt: 0)
                return .claimed
            }
            // A clock stepped back since the last ask asks again rather than wait for it.
            let ask = now - holding.askedAt >= Self.askInterval || now < holding.askedAt
            if ask {
                holding.askedAt = now
                holdings[binding] = holding
            }
            return .heldBy(holding.holder, ask: ask)
        }
    }

    /// Records `client` as the holder of a lease replayed from the log, unless another client
    /// holds it: false then (a crash between a handover's two records, on two shards' logs,
    /// can leave both leases in them; the one replayed first is kept).
    func replayed(_ binding: Binding, by client: ClientKey) -> Bool {
        holdings.withLock { holdings in
            if let holding = holdings[binding], holding.holder != client { return false }
            holdings[binding] = Holding(holder: client, askedAt: 0)
            return true
        }
    }

    /// Records `client`, found holding `binding` by the control plane, as its holder when a
    /// subscriber's reservation is made on it: a client of the subscriber then takes it over
    /// rather than being offered it beside the holder. False when another is recorded.
    public func adopt(_ binding: Binding, by client: ClientKey) -> Bool {
        replayed(binding, by: client)
    }

    /// `binding` is no one's now (it is no longer reserved).
    func release(_ binding: Binding) {
        _ = holdings.withLock { $0.removeValue(forKey: binding) }
    }

    /// Forgets `client` as the holder of `binding`, if it is: its binding ended, or it claimed
    /// the binding but never took it (its query was refused after the claim).
    func release(_ binding: Binding, ifHeldBy client: ClientKey) {
        holdings.withLock { holdings in
            if holdings[binding]?.holder == client { holdings[binding] = nil }
        }
    }

    /// The client holding `binding`, if any.
    public func holder(of binding: Binding) -> ClientKey? {
        holdings.withLock { $0[binding]?.holder }
    }
}
