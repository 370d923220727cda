import PortLeaseImport
import PortLeaseWire
import Testing

/// Reading Kea memfiles: columns by header name, Kea's escaping, the last row of an address,
/// and each kind of damaged row with its line number.
@Suite struct KeaLeaseFileTests {
    static let kea22 =
        "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context"

    static func file(_ lines: [String]) throws(KeaImportError) -> KeaLeaseFile {
        try KeaLeaseFile(Array(lines.joined(separator: "\n").utf8))
    }

    @Test func columnsAreFoundByNameInAnyOrderWithOrWithoutTheOptionalOnes() throws {
        let reordered = try Self.file([
            "state,expire,pool_id,address,valid_lifetime,client_id,hwaddr",
            "0,2000000000,3,192.0.2.7,3600,01:02:03:04:05:06:07,02:03:04:05:06:07",
        ])
        #expect(reordered.problems.isEmpty)
        let lease = try #require(reordered.leases.first)
        #expect(lease.address == IPv4Address(192, 0, 2, 7))
        #expect(lease.expire == 2_000_000_000 && lease.validLifetime == 3600 && lease.start == 1_999_996_400)
        #expect(lease.clientKey == ClientKey(kind: .clientIdentifier, bytes: [1, 2, 3, 4, 5, 6, 7]))
        #expect(lease.state == .active)

        // Kea before user_context; CRLF line ends; a hardware address is keyed as htype 1 + hwaddr.
        let older = try Self.file([
            "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state\r",
            "192.0.2.8,02:00:5e:10:20:30,,3600,2000000000,1,0,0,cpe,0\r",
        ])
        #expect(older.problems.isEmpty)
        let byHardware = [UInt8]([2, 0, 0x5E, 0x10, 0x20, 0x30]).withUnsafeBytes {
            ClientKey(hardwareType: 1, address: $0)
        }
        #expect(older.leases.first?.clientKey == byHardware)
        #expect(older.leases.first?.hostname == "cpe")
    }

    @Test func aHeaderWithoutAnImportColumnIsRefusedNamingIt() {
        #expect(throws: KeaImportError.missingColumns(["expire", "state"])) {
            try Self.file(["address,hwaddr,client_id,valid_lifetime,subnet_id", "192.0.2.1,,,1,1"])
        }
        #expect(throws: KeaImportError.duplicateColumn("state")) {
            try Self.file([Self.kea22 + ",state"])
        }
        #expect(throws: KeaImportError.noHeader) { try Self.file(["", ""]) }
    }

    /// Kea has no quoting: it writes a comma in a text field as `&#x2c` (and `&` as `&#x26`),
    /// so a double quote is an ordinary character and every comma separates columns.
    @Test func escapedCommasInHostnameAndUserContextAreOneColumn() throws {
        let file = try Self.file([
            Self.kea22,
            #"192.0.2.9,02:00:00:00:00:09,,3600,2000000000,1,1,1,"a&#x2cb"&#x26c&#xzz,0,{ "k": 1&#x2c "l": 2 }"#,
        ])
        #expect(file.problems.isEmpty, "\(file.problems)")
        #expect(file.leases.first?.hostname == #""a,b"&c&#xzz"#)
        #expect(KeaEscaping.unescape("no escapes") == "no escapes")
        #expect(KeaEscaping.unescape("tail&#x2") == "tail&#x2")
    }

    @Test func theLastRowOfAnAddressWinsAndBlankLinesAreSkipped() throws {
        let file = try Self.file([
            Self.kea22,
            "192.0.2.1,02:00:00:00:00:01,,3600,2000000000,1,0,0,,0,",
            "",
            "192.0.2.2,02:00:00:00:00:02,,3600,2000000000,1,0,0,,0,",
            "192.0.2.1,02:00:00:00:00:01,,3600,2000003600,1,0,0,,0,",
            "192.0.2.1,,,0,2000003700,1,0,0,,2,",
        ])
        #expect(file.rowCount == 4)
        #expect(file.leases.map(\.address) == [IPv4Address(192, 0, 2, 1), IPv4Address(192, 0, 2, 2)])
        let last = try #require(file.leases.first)
        #expect(last.line == 6 && last.validLifetime == 0 && last.state == .expiredReclaimed && last.clientKey == nil)
    }

    @Test(arguments: [
        ("192.0.2.300,02:00:00:00:00:01,,3600,2000000000,1,0,0,,0,", "line 2: address: not an IPv4 address"),
        ("192.0.2.1,02:00:00:00:00:0g,,3600,2000000000,1,0,0,,0,", "line 2: hwaddr: not hex bytes"),
        ("192.0.2.1,02:00:00:00:00:01,01:0,3600,2000000000,1,0,0,,0,", "line 2: client_id: not hex bytes"),
        ("192.0.2.1,02:00:00:00:00:01,,36OO,2000000000,1,0,0,,0,", "line 2: valid_lifetime: not a number"),
        ("192.0.2.1,02:00:00:00:00:01,,3600,-1,1,0,0,,0,", "line 2: expire: not a time"),
        ("192.0.2.1,02:00:00:00:00:01,,3600,100,1,0,0,,0,", "line 2: expire: not a time"),
        ("192.0.2.1,02:00:00:00:00:01,,3600,2000000000,x,0,0,,0,", "line 2: subnet_id: not a number"),
        ("192.0.2.1,02:00:00:00:00:01,,3600,2000000000,1,2,0,,0,", "line 2: fqdn_fwd: not 0 or 1"),
        ("192.0.2.1,02:00:00:00:00:01,,3600,2000000000,1,0,0,,active,", "line 2: state: not a lease state"),
        ("192.0.2.1,02:00:00:00:00:01,,3600,2000000000,1,0,0,a,b,0,", "line 2: 12 columns where the header has 11"),
        (
            "192.0.2.1,01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11,,3600,2000000000,1,0,0,,0,",
            "line 2: hwaddr: longer than the 16 bytes of a DHCPv4 chaddr"
        ),
    ])
    func eachDamagedRowIsReportedWithItsLineAndColumn(row: String, report: String) throws {
        let file = try Self.file([Self.kea22, row, "192.0.2.3,02:00:00:00:00:03,,3600,2000000000,1,0,0,,0,"])
        #expect(file.problems.count == 1)
        #expect(file.problems.first?.description.hasPrefix(report) == true, "\(file.problems)")
        #expect(file.leases.map(\.line) == [3])
    }
}
