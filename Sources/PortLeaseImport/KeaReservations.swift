import Foundation
import LeaseEngine
import PortLeaseWire

/// The host reservations of an ISC Kea DHCPv4 configuration (`kea-dhcp4.conf`), as PortLease
/// reservations of whole addresses.
///
/// Read: the global `Dhcp4.reservations`, each `Dhcp4.subnet4[].reservations`, and those of the
/// subnets of `Dhcp4.shared-networks[]`. A host is identified by `hw-address` (Ethernet: a
/// PortLease `hw:01:` key) or `client-id` (an `id:` key); `duid`, `circuit-id` and `flex-id`
/// have no PortLease equivalent. A host without `ip-address` only sets options or a hostname:
/// nothing to reserve. Kea's comments (`#`, `//`, `/* */`) are allowed; `<?include ?>` is not.
public struct KeaReservations: Sendable {
    /// Why a Kea host did not become a reservation.
    public enum SkipReason: String, CaseIterable, Sendable, Codable {
        /// No `ip-address`: the host sets options or a hostname only.
        case noAddress = "no-address"
        /// Identified by `duid`, `circuit-id` or `flex-id`, which PortLease does not match on.
        case identifierType = "identifier-type"
        /// The address is in no pool of the PortLease configuration.
        case outsidePools = "outside-pools"
        /// The address is in a shared pool: Kea reserves whole addresses, PortLease shares them by port set.
        case sharedPool = "shared-pool"
        /// Another reservation has the client or the address already (this file's or PortLease's).
        case conflict
    }

    /// One Kea host with an address and an identifier PortLease uses.
    public struct Host: Sendable, Equatable {
        public var client: ClientKey
        public var address: IPv4Address
        /// Where it was in the file (`Dhcp4.subnet4[2].reservations[0]`), for the report.
        public var path: String
    }

    public private(set) var hosts: [Host] = []
    /// Hosts skipped while reading, by reason (the pool and conflict checks come later).
    public private(set) var skipped: [SkipReason: Int] = [:]

    /// Reads the configuration's text; throws with the reason when it is not one.
    public init(text: String) throws(KeaImportError) {
        let json = Self.withoutComments(text)
        if json.contains("<?include") {
            throw .invalidConfiguration(
                "<?include ?> is not supported: give the configuration with its includes inlined")
        }
        let document: Any
        do {
            document = try JSONSerialization.jsonObject(with: Data(json.utf8))
        } catch {
            throw .invalidConfiguration("not a Kea configuration (JSON with comments): \(error.localizedDescription)")
        }
        guard let root = document as? [String: Any], let dhcp4 = root["Dhcp4"] as? [String: Any] else {
            throw .invalidConfiguration("no \"Dhcp4\" object: not a Kea DHCPv4 configuration")
        }
        try read(dhcp4["reservations"], at: "Dhcp4.reservations")
        try readSubnets(dhcp4["subnet4"], at: "Dhcp4.subnet4")
        for (index, network) in (dhcp4["shared-networks"] as? [[String: Any]] ?? []).enumerated() {
            try readSubnets(network["subnet4"], at: "Dhcp4.shared-networks[\(index)].subnet4")
        }
    }

    private mutating func readSubnets(_ value: Any?, at path: String) throws(KeaImportError) {
        for (index, subnet) in (value as? [[String: Any]] ?? []).enumerated() {
            try read(subnet["reservations"], at: "\(path)[\(index)].reservations")
        }
    }

    private mutating func read(_ value: Any?, at path: String) throws(KeaImportError) {
        guard let value else { return }
        guard let list = value as? [[String: Any]] else {
            throw .invalidConfiguration("\(path): expected an array of hosts")
        }
        for (index, host) in list.enumerated() {
            let hostPath = "\(path)[\(index)]"
            guard let text = host["ip-address"] as? String else {
                skipped[.noAddress, default: 0] += 1
                continue
            }
            guard let address = IPv4Address(text) else {
                throw .invalidConfiguration("\(hostPath).ip-address: \"\(text)\"")
            }
            let client: ClientKey
            if let hardware = host["hw-address"] as? String {
                guard let bytes = HexBytes.parse(hardware), (1...16).contains(bytes.count) else {
                    throw .invalidConfiguration(
                        "\(hostPath).hw-address: \"\(hardware)\" is not a hardware address in hex")
                }
                client = ClientKey(kind: .hardwareAddress, bytes: [1] + bytes)
            } else if let identifier = host["client-id"] as? String {
                guard let bytes = HexBytes.parse(identifier), (1...255).contains(bytes.count) else {
                    throw .invalidConfiguration(
                        "\(hostPath).client-id: \"\(identifier)\" is not a client identifier in hex")
                }
                client = ClientKey(kind: .clientIdentifier, bytes: bytes)
            } else {
                skipped[.identifierType, default: 0] += 1
                continue
            }
            hosts.append(Host(client: client, address: address, path: hostPath))
        }
    }

    /// `text` with Kea's comments blanked out (outside strings), line structure kept.
    static func withoutComments(_ text: String) -> String {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        var inString = false
        while index < bytes.count {
            let byte = bytes[index]
            let next = index + 1 < bytes.count ? bytes[index + 1] : 0
            if inString {
                out.append(byte)
                if byte == UInt8(ascii: "\\") && index + 1 < bytes.count {
                    out.append(next)
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") { inString = false }
                index += 1
            } else if byte == UInt8(ascii: "\"") {
                inString = true
                out.append(byte)
                index += 1
            } else if byte == UInt8(ascii: "#") || (byte == UInt8(ascii: "/") && next == UInt8(ascii: "/")) {
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            } else if byte == UInt8(ascii: "/") && next == UInt8(ascii: "*") {
                index += 2
                while index < bytes.count
                    && !(bytes[index] == UInt8(ascii: "*") && index + 1 < bytes.count
                        && bytes[index + 1] == UInt8(ascii: "/"))
                {
                    if bytes[index] == UInt8(ascii: "\n") { out.append(bytes[index]) }
                    index += 1
                }
                index += 2
            } else {
                out.append(byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The hosts as reservations of whole addresses for `pools`, checked with `existing` (the
    /// configuration's and the stored ones): those that can be added, and the others counted.
    public func reservations(
        for configuration: EngineConfiguration, existing: [Reservation]
    ) -> (added: [Reservation], skipped: [SkipReason: Int]) {
        let lookup = PoolLookup(configuration.pools)
        var skipped = self.skipped
        var added: [Reservation] = []
        var clients = Set(existing.map(\.client))
        var addresses = Set(existing.map(\.address))
        for host in hosts {
            switch lookup.kind(of: host.address) {
            case nil:
                skipped[.outsidePools, default: 0] += 1
            case .shared:
                skipped[.sharedPool, default: 0] += 1
            case .full:
                guard clients.insert(host.client).inserted, addresses.insert(host.address).inserted else {
                    skipped[.conflict, default: 0] += 1
                    continue
                }
                added.append(Reservation(client: host.client, address: host.address))
            }
        }
        return (added, skipped)
    }
}
