import LeaseEngine
import PortLeaseConfiguration
import PortLeaseWire
import Testing

/// `reservations.json` and the reservation entries of the configuration: both owners, the
/// problems each malformed entry is reported with, and the file's text read back unchanged.
@Suite struct ReservationFileTests {
    static let text = """
        { "reservations": [
          { "client": "hw:01:02:00:5e:10:20:31", "address": "203.0.113.9" },
          { "subscriber": "remote-id:00:00:0d:e9:6c:69:6e:65", "address": "198.51.100.7", "psid": 6, "psid-length": 6 },
          { "subscriber": "subscriber-id:63:75:73:74", "address": "198.51.100.7", "psid": 7, "psid-length": 6 },
          { "subscriber": "prefix:2001:db8:0:700::/56", "address": "198.51.100.7", "psid": 8, "psid-length": 6 }
        ] }
        """

    @Test func everyKindOfOwnerIsReadAndWrittenBackTheSame() throws {
        let reservations = try ReservationFile.parse(Array(Self.text.utf8))
        #expect(
            reservations.map(\.owner) == [
                .client(ClientKey(text: "hw:01:02:00:5e:10:20:31")!),
                .remoteID([0, 0, 0x0D, 0xE9, 0x6C, 0x69, 0x6E, 0x65]),
                .subscriberID(Array("cust".utf8)), .clientPrefix(IPv6Prefix("2001:db8:0:700::/56")!),
            ])
        #expect(reservations[1].psid == 6 && reservations[1].psidLength == 6)
        #expect(try ReservationFile.parse(ReservationFile.encode(reservations)) == reservations)
    }

    @Test(arguments: [
        (#"{ "subscriber": "line-7", "address": "198.51.100.7" }"#, "subscriber", "is not remote-id:HEX"),
        (#"{ "subscriber": "remote-id:", "address": "198.51.100.7" }"#, "subscriber", "is not remote-id:HEX"),
        (#"{ "subscriber": "id:01:02", "address": "198.51.100.7" }"#, "subscriber", "is not remote-id:HEX"),
        (
            #"{ "client": "id:01:02", "subscriber": "remote-id:01", "address": "198.51.100.7" }"#, "subscriber",
            "not both"
        ),
        (#"{ "address": "198.51.100.7" }"#, "client", "\"subscriber\""),
        (#"{ "client": "remote-id:01", "address": "198.51.100.7" }"#, "client", "is not id:HEX"),
    ])
    func aMalformedOwnerIsReportedByItsKey(entry: String, key: String, reason: String) {
        #expect {
            try ReservationFile.parseRequest(Array(entry.utf8))
        } throws: { error in
            guard let problem = (error as? ConfigurationError)?.problems.first else { return false }
            return problem.keyPath == key && problem.reason.contains(reason)
        }
    }
}
