/// The columns of a Kea DHCPv4 memfile, found by the names in its header line.
///
/// Kea 2.2 writes `address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,
/// fqdn_rev,hostname,state,user_context`; later versions add `pool_id`, earlier ones lack
/// `user_context`. Columns are never taken by position, so any order and any extra
/// columns are read.
public struct KeaLeaseHeader: Hashable, Sendable {
    /// The columns an import cannot do without.
    public static let required = ["address", "hwaddr", "client_id", "valid_lifetime", "expire", "state"]
    /// Numeric columns that are checked when present (a damaged number is a damaged row).
    static let checkedNumbers = ["subnet_id", "pool_id"]
    /// Boolean columns that are checked when present (Kea writes 0 or 1).
    static let checkedFlags = ["fqdn_fwd", "fqdn_rev"]

    /// Every column name, in the file's order.
    public let names: [String]
    let address: Int
    let hardwareAddress: Int
    let clientIdentifier: Int
    let validLifetime: Int
    let expire: Int
    let state: Int
    let hostname: Int?
    /// (index, name) of each present column in ``checkedNumbers``.
    let numbers: [(index: Int, name: String)]
    /// (index, name) of each present column in ``checkedFlags``.
    let flags: [(index: Int, name: String)]

    /// Reads the header line; throws when a required column is missing or a name repeats.
    public init(line: Substring) throws(KeaImportError) {
        names = line.split(separator: ",", omittingEmptySubsequences: false).map {
            String($0.trimmingSuffix("\r"))
        }
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            guard positions.updateValue(index, forKey: name) == nil else { throw .duplicateColumn(name) }
        }
        let missing = Self.required.filter { positions[$0] == nil }
        guard missing.isEmpty else { throw .missingColumns(missing) }
        address = positions["address"]!
        hardwareAddress = positions["hwaddr"]!
        clientIdentifier = positions["client_id"]!
        validLifetime = positions["valid_lifetime"]!
        expire = positions["expire"]!
        state = positions["state"]!
        hostname = positions["hostname"]
        numbers = Self.checkedNumbers.compactMap { name in positions[name].map { ($0, name) } }
        flags = Self.checkedFlags.compactMap { name in positions[name].map { ($0, name) } }
    }

    /// Headers are equal when they name the same columns in the same order.
    public static func == (lhs: KeaLeaseHeader, rhs: KeaLeaseHeader) -> Bool { lhs.names == rhs.names }
    /// Hashes the column names.
    public func hash(into hasher: inout Hasher) { hasher.combine(names) }
}

extension Substring {
    /// Without one trailing `suffix` character (a CR before the LF).
    func trimmingSuffix(_ suffix: Character) -> Substring {
        last == suffix ? dropLast() : self
    }
}
