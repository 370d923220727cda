import PortLeaseSystem
import PortLeaseWire

/// A Kea DHCPv4 memfile (`kea-leases4.csv`) read whole: the last row of every address,
/// and every row that could not be read.
///
/// Kea appends a row each time a lease changes (a renewal, a release, a reclamation), so a
/// file holds several rows per address and, as when Kea loads it, the last one wins. A
/// release is a row with `valid_lifetime` 0. Blank lines are skipped, as Kea skips them.
/// A damaged row (wrong column count, bad address, bad hex, a non-numeric number) is
/// reported with its line number in ``problems`` and takes no part in deciding what an
/// address's last row is.
public struct KeaLeaseFile: Sendable {
    /// The header line's columns.
    public let header: KeaLeaseHeader
    /// The last readable row of each address, in the order the addresses first appear.
    public private(set) var leases: [KeaLease] = []
    /// Every row that could not be read, in line order.
    public private(set) var problems: [KeaRowProblem] = []
    /// Rows read (not counting the header and blank lines), damaged ones included.
    public private(set) var rowCount = 0

    /// Reads the file at `path` (at most 4 GiB).
    public static func read(path: String) throws(KeaImportError) -> KeaLeaseFile {
        let bytes: [UInt8]
        do throws(SystemCallError) {
            bytes = try Files.readAll(path, maximumSize: 4 << 30)
        } catch {
            throw .unreadable(error)
        }
        return try KeaLeaseFile(bytes)
    }

    /// Reads a whole file's bytes (the first line that is not blank is the header); throws
    /// when the header is missing or lacks a column.
    public init(_ bytes: [UInt8]) throws(KeaImportError) {
        var header: KeaLeaseHeader?
        var positions: [IPv4Address: Int] = [:]
        var lineNumber = 0
        var lineStart = 0
        while lineStart < bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            lineNumber += 1
            let text = String(decoding: bytes[lineStart..<lineEnd], as: UTF8.self)
            lineStart = lineEnd + 1
            let line = Substring(text).trimmingSuffix("\r")
            if line.isEmpty { continue }
            guard let columns = header else {
                header = try KeaLeaseHeader(line: line)
                continue
            }
            rowCount += 1
            do throws(KeaRowProblem) {
                let lease = try Self.lease(line, number: lineNumber, columns: columns)
                if let index = positions[lease.address] {
                    leases[index] = lease
                } else {
                    positions[lease.address] = leases.count
                    leases.append(lease)
                }
            } catch {
                problems.append(error)
            }
        }
        guard let header else { throw .noHeader }
        self.header = header
    }

    /// One row, checked column by column.
    static func lease(_ line: Substring, number: Int, columns: KeaLeaseHeader) throws(KeaRowProblem) -> KeaLease {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == columns.names.count else {
            throw KeaRowProblem(
                line: number, column: nil,
                reason: "\(fields.count) columns where the header has \(columns.names.count)")
        }
        func problem(_ index: Int, _ reason: String) -> KeaRowProblem {
            KeaRowProblem(line: number, column: columns.names[index], reason: "\(reason): \"\(fields[index])\"")
        }
        guard let address = IPv4Address(fields[columns.address]) else {
            throw problem(columns.address, "not an IPv4 address")
        }
        let hardwareAddress = try hex(fields[columns.hardwareAddress], maximum: 20) {
            problem(columns.hardwareAddress, $0)
        }
        let clientIdentifier = try hex(fields[columns.clientIdentifier], maximum: 255) {
            problem(columns.clientIdentifier, $0)
        }
        guard let validLifetime = UInt32(fields[columns.validLifetime]) else {
            throw problem(columns.validLifetime, "not a number of seconds (0 to 4294967295)")
        }
        guard let expire = Int64(fields[columns.expire]), expire >= Int64(validLifetime) else {
            throw problem(columns.expire, "not a time in seconds at or after valid_lifetime")
        }
        guard let state = UInt32(fields[columns.state]) else { throw problem(columns.state, "not a lease state") }
        for (index, _) in columns.numbers where UInt32(fields[index]) == nil {
            throw problem(index, "not a number")
        }
        for (index, _) in columns.flags where !["0", "1", "true", "false"].contains(fields[index]) {
            throw problem(index, "not 0 or 1")
        }
        var key: ClientKey?
        if let clientIdentifier {
            key = ClientKey(kind: .clientIdentifier, bytes: clientIdentifier)
        } else if let hardwareAddress {
            guard hardwareAddress.count <= 16 else {
                throw problem(columns.hardwareAddress, "longer than the 16 bytes of a DHCPv4 chaddr")
            }
            key = hardwareAddress.withUnsafeBytes { ClientKey(hardwareType: 1, address: $0) }
        }
        return KeaLease(
            line: number, address: address, clientKey: key, validLifetime: validLifetime, expire: expire,
            state: KeaLease.State(state), hostname: columns.hostname.map { KeaEscaping.unescape(fields[$0]) } ?? "")
    }

    /// Hex bytes as Kea writes them (`01:02:0a`), nil for an empty field.
    private static func hex(
        _ field: Substring, maximum: Int, problem: (String) -> KeaRowProblem
    ) throws(KeaRowProblem) -> [UInt8]? {
        if field.isEmpty { return nil }
        guard let bytes = HexBytes.parse(field) else { throw problem("not hex bytes") }
        guard bytes.count <= maximum else { throw problem("more than \(maximum) bytes") }
        return bytes
    }
}
