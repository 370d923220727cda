import LeaseEngine
import PortLeaseWire
import PortSetPool

/// One reservation as the control API shows it (`Docs/openapi.json`, schema `Reservation`).
public struct ReservationDocument: Codable, Sendable, Equatable {
    /// The owning client key as the tools print it (`id:..` option 61, `hw:..` htype and
    /// chaddr); nil for a subscriber's reservation.
    public var client: String?
    /// The owning subscriber key (`remote-id:..`, `subscriber-id:..`, `prefix:..`); nil for a
    /// client's reservation.
    public var subscriber: String?
    public var address: String
    /// True for a whole address (no port set).
    public var full: Bool
    public var psid: Int
    public var psidLength: Int
    public var psidOffset: Int
    /// The port ranges of the set, or `["0-65535"]` for a whole address.
    public var ports: [String]
    public var pool: String
    /// `configuration` (the configuration file's `reservations`: change it there) or `api`
    /// (made with `POST /v1/reservations`, kept in `reservations.json`).
    public var source: String

    init(_ reservation: Reservation, pool: PoolPolicy, source: ReservationBook.Source) {
        if reservation.client == nil {
            subscriber = "\(reservation.owner)"
        } else {
            client = "\(reservation.owner)"
        }
        address = "\(reservation.address)"
        full = reservation.psidLength == 0
        psid = Int(reservation.psid)
        psidLength = Int(reservation.psidLength)
        psidOffset = pool.psidOffset
        ports = PortSet.rangeTexts(offset: psidOffset, length: psidLength, psid: psid)
        self.pool = pool.name
        self.source = source.rawValue
    }
}

/// The body of `GET /v1/reservations`.
public struct ReservationList: Codable, Sendable, Equatable {
    public var reservations: [ReservationDocument]
}

/// The body of a reservation made or removed: the reservation, and the clients whose leases
/// on its port set were ended to make room (`force`).
public struct ReservationChange: Codable, Sendable, Equatable {
    public var reservation: ReservationDocument
    public var released: [String]
}
