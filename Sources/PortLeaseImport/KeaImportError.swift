import PortLeaseSystem

/// Why a Kea lease file cannot be imported at all (as opposed to one bad row, a
/// ``KeaRowProblem``).
public enum KeaImportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(SystemCallError)
    /// The file has no header line (it is empty, or holds only blank lines).
    case noHeader
    /// The header lacks columns the import needs, named in the order Kea writes them.
    case missingColumns([String])
    /// The header names a column twice.
    case duplicateColumn(String)
    /// A Kea configuration that cannot be read for its reservations: why, with the key path.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .unreadable(let error): "cannot read the lease file: \(error)"
        case .noHeader: "no header line (the file is empty)"
        case .missingColumns(let names):
            "the header lacks the column\(names.count == 1 ? "" : "s") \(names.joined(separator: ", ")) "
                + "(is this a Kea DHCPv4 memfile, kea-leases4.csv?)"
        case .duplicateColumn(let name): "the header names the column \(name) twice"
        case .invalidConfiguration(let reason): "not a usable Kea DHCPv4 configuration: \(reason)"
        }
    }
}
