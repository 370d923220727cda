import Testing

@testable import PortLeaseWire

@Suite struct InformationRequestViewTests {
    @Test func dhclientStyleRequest() throws {
        try Vectors.informationRequest.withUnsafeBytes { raw in
            let request = try InformationRequestView(DHCPv6MessageView(parsing: raw))
            #expect(request.message.transactionID == 0xABCDEF)
            #expect(request.clientIdentifier.map(Array.init) == Vectors.clientDUID)
            #expect(request.serverIdentifier == nil)
            #expect(request.requests(.dhcp4o6ServerAddresses))
            #expect(!request.requests(.statusCode))
        }
    }

    @Test func requestWithoutClientIdOrOptionRequest() throws {
        try hex("0b 00 00 07").withUnsafeBytes { raw in
            let request = try InformationRequestView(DHCPv6MessageView(parsing: raw))
            #expect(request.clientIdentifier == nil)
            #expect(!request.requests(.dhcp4o6ServerAddresses))
        }
    }

    @Test func replyWithoutClientIdentifierOmitsOption1() throws {
        let bytes = try Vectors.serverDUID.withUnsafeBytes { duid in
            try encode { writer throws(WireError) in
                try writer.writeInformationReply(
                    transactionID: 7, serverDUID: duid, clientIdentifier: nil, serverAddresses: [IPv6Address]())
            }
        }
        #expect(
            bytes == hex("07 00 00 07 00 02") + be16(Vectors.serverDUID.count) + Vectors.serverDUID + hex("00 58 00 00")
        )
        try bytes.withUnsafeBytes { raw in
            let reply = try DHCPv6MessageView(parsing: raw)
            let list = try DHCP4o6ServerAddresses(
                validating: try #require(reply.options.first(.dhcp4o6ServerAddresses)))
            #expect(list.isEmpty)
        }
    }
}
