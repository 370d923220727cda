import ArgumentParser
import LeaseLog
import PortLeaseWire

/// Which leases `portlease leases` shows: all, or those of one client, address (and
/// PSID) or subscriber.
///
/// Applied while the log is replayed, so a lookup keeps only the matching clients'
/// latest records instead of building the whole table.
struct LeaseQuery {
    /// A client key as the tools print it (`id:..`, `hw:..`), or bare hex of either kind.
    struct ClientPattern {
        var kind: ClientKey.Kind?
        var bytes: [UInt8]

        init?(_ text: String) {
            let lowered = text.lowercased()
            var hex = Substring(lowered)
            if lowered.hasPrefix("id:") || lowered.hasPrefix("hw:") {
                kind = lowered.hasPrefix("id:") ? .clientIdentifier : .hardwareAddress
                hex = hex.dropFirst(3)
            }
            guard let bytes = HexBytes.parse(hex) else { return nil }
            self.bytes = bytes
        }

        func matches(_ key: ClientKey) -> Bool {
            if let kind, key.kind != kind { return false }
            return key.withUnsafeBytes { key in bytes.withUnsafeBytes { key.elementsEqual($0) } }
        }

        func matches(_ view: RecordView) -> Bool {
            if let kind, view.clientKeyKind != kind.rawValue { return false }
            return bytes.withUnsafeBytes { view.clientKeyBytes.elementsEqual($0) }
        }
    }

    var client: ClientPattern?
    var address: IPv4Address?
    var psid: UInt16?
    var subscriber: IPv6Address?

    /// Parses the command's options; a malformed one is a usage error naming it.
    init(client: String?, address: String?, psid: UInt16?, subscriber: String?) throws {
        self.client = try client.map { text in
            guard let pattern = ClientPattern(text) else {
                throw ValidationError("--client: not a client key (id:.., hw:.. or hex): \(text)")
            }
            return pattern
        }
        self.address = try address.map { text in
            guard let address = IPv4Address(text) else {
                throw ValidationError("--address: not an IPv4 address: \(text)")
            }
            return address
        }
        self.psid = psid
        self.subscriber = try subscriber.map { text in
            guard let address = IPv6Address(text) else {
                throw ValidationError("--subscriber: not an IPv6 address: \(text)")
            }
            return address
        }
    }

    /// No criterion: every lease.
    var isEverything: Bool { client == nil && address == nil && psid == nil && subscriber == nil }

    /// Whether a record that does not match still matters when its client has matched
    /// before: a later record (a move to another address, a release) ends that lease.
    /// Not for a client lookup, where every record of the client matches.
    var followsMatchedClients: Bool { client == nil && !isEverything }

    /// `matches` on a record in place, before it is decoded (the same criteria).
    func matches(_ view: RecordView) -> Bool {
        if let address, view.address != address { return false }
        if let psid, view.psid != psid { return false }
        if let subscriber, view.subscriber != subscriber { return false }
        if let client, !client.matches(view) { return false }
        return true
    }

    func matches(_ record: LeaseRecord) -> Bool {
        if let address, record.address != address { return false }
        if let psid, record.psid != psid { return false }
        if let subscriber, record.subscriber != subscriber { return false }
        if let client, !client.matches(record.clientKey) { return false }
        return true
    }
}
