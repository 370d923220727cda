import Testing

@testable import PortLeaseWire

/// One test per ``WireError`` kind (PortParams errors are in PortParamsTests):
/// each malformed input yields exactly the typed error that names the problem.
@Suite struct WireErrorTests {
    func packetError(_ bytes: [UInt8]) -> WireError? {
        parseError(bytes) { raw throws(WireError) in try DHCPv6Packet(parsing: raw) }
    }

    func queryError(_ bytes: [UInt8]) -> WireError? {
        parseError(bytes) { raw throws(WireError) in
            let packet = try DHCPv6Packet(parsing: raw)
            let query = try DHCPv4QueryView(packet.message)
            return try DHCPv4MessageView(parsing: query.dhcpv4Message)
        }
    }

    func dhcpv4Error(_ bytes: [UInt8]) -> WireError? {
        parseError(bytes) { raw throws(WireError) in try DHCPv4MessageView(parsing: raw) }
    }

    @Test func truncatedHeaders() {
        #expect(packetError(hex("14 00 00")) == .truncatedHeader(layer: .dhcpv6, needed: 4, available: 3))
        #expect(
            packetError(Array(Vectors.twoLevelRelay.prefix(20)))
                == .truncatedHeader(layer: .relay, needed: 34, available: 20))
        #expect(
            dhcpv4Error(Array(Vectors.discover.prefix(239)))
                == .truncatedHeader(layer: .dhcpv4, needed: 240, available: 239))
    }

    @Test func optionLengthsRunningPastTheEnd() {
        // DHCPv6: option 87 claims one byte more than there is.
        var query = Vectors.query
        query[7] &+= 1
        #expect(packetError(query) == .optionOverrun(layer: .dhcpv6, code: 87, offset: 0))
        // DHCPv6: a lone partial option header (3 bytes).
        #expect(packetError(hex("0b 00 00 01 00 01 00")) == .optionOverrun(layer: .dhcpv6, code: 1, offset: 0))
        // Relay: option 9 claims more than the datagram holds.
        var relay = Vectors.twoLevelRelay
        relay[34 + 7 + 3] = 0xFF
        #expect(packetError(relay) == .optionOverrun(layer: .relay, code: 9, offset: 7))
        // DHCPv4: the last option's length runs past the end.
        #expect(
            dhcpv4Error(Array(Vectors.discover.dropLast(2)))
                == .optionOverrun(layer: .dhcpv4, code: 159, offset: 240 + 3 + 9 + 6))
        // DHCPv4: an option code with no length byte.
        #expect(
            dhcpv4Error(Vectors.clientHeader() + Vectors.cookie + hex("35"))
                == .optionOverrun(layer: .dhcpv4, code: 53, offset: 240))
    }

    @Test func unexpectedMessageTypes() {
        #expect(
            parseError(Vectors.twoLevelRelay) { raw throws(WireError) in try DHCPv6MessageView(parsing: raw) }
                == .unexpectedMessageType(layer: .dhcpv6, type: 12))
        #expect(
            parseError(Vectors.query) { raw throws(WireError) in try RelayMessageView(parsing: raw) }
                == .unexpectedMessageType(layer: .relay, type: 20))
        #expect(queryError(Vectors.informationRequest) == .unexpectedMessageType(layer: .dhcpv6, type: 11))
        #expect(
            parseError(Vectors.query) { raw throws(WireError) in
                try InformationRequestView(DHCPv6MessageView(parsing: raw))
            }
                == .unexpectedMessageType(layer: .dhcpv6, type: 20))
    }

    @Test func queryWithoutOrWithTwoDHCPv4Messages() {
        #expect(queryError(hex("14 00 00 00")) == .missingDHCPv4Message)
        #expect(queryError(hex("14 00 00 00 00 01 00 02 aa bb")) == .missingDHCPv4Message)
        let option87 = hex("00 57") + be16(Vectors.discover.count) + Vectors.discover
        #expect(queryError(hex("14 00 00 00") + option87 + option87) == .duplicateDHCPv4Message)
    }

    @Test func relayChainTooDeep() {
        var message = Vectors.query
        for _ in 0...RelayChain.maximumDepth {
            message = hex("0c 00") + zeros(32) + hex("00 09") + be16(message.count) + message
        }
        #expect(packetError(message) == .relayChainTooDeep(limit: 8))
    }

    @Test func relayWithoutOrWithTwoInnerMessages() {
        let header = hex("0c 03") + zeros(32)
        #expect(packetError(header + hex("00 12 00 01 aa")) == .missingRelayMessage(hopCount: 3))
        let inner = hex("00 09") + be16(Vectors.query.count) + Vectors.query
        #expect(packetError(header + inner + inner) == .duplicateRelayMessage(hopCount: 3))
    }

    @Test func serverAddressListNotAMultipleOf16() throws {
        let bytes = zeros(17)
        #expect(
            parseError(bytes) { raw throws(WireError) in try DHCP4o6ServerAddresses(validating: raw) }
                == .badServerAddressListLength(17))
        let empty = parse([]) { raw throws(WireError) in try DHCP4o6ServerAddresses(validating: raw).count }
        #expect(try empty.get() == 0)
    }

    @Test func badMagicCookie() {
        var bytes = Vectors.discover
        bytes[239] = 0x64
        #expect(dhcpv4Error(bytes) == .badMagicCookie(0x6382_5364))
    }

    @Test func hardwareAddressLongerThanChaddr() {
        var bytes = Vectors.discover
        bytes[2] = 17
        #expect(dhcpv4Error(bytes) == .badHardwareAddressLength(17))
    }

    @Test func optionsWithTheWrongLength() {
        let base = Vectors.clientHeader() + Vectors.cookie
        #expect(dhcpv4Error(base + hex("35 02 01 01 ff")) == .badOptionLength(layer: .dhcpv4, code: 53, length: 2))
        #expect(dhcpv4Error(base + hex("32 03 01 02 03 ff")) == .badOptionLength(layer: .dhcpv4, code: 50, length: 3))
        #expect(
            dhcpv4Error(base + hex("36 05 01 02 03 04 05 ff")) == .badOptionLength(layer: .dhcpv4, code: 54, length: 5))
        #expect(dhcpv4Error(base + hex("33 02 01 02 ff")) == .badOptionLength(layer: .dhcpv4, code: 51, length: 2))
        #expect(dhcpv4Error(base + hex("3d 01 01 ff")) == .badOptionLength(layer: .dhcpv4, code: 61, length: 1))
        #expect(dhcpv4Error(base + hex("34 02 01 01 ff")) == .badOptionLength(layer: .dhcpv4, code: 52, length: 2))
        let oddORO = hex("0b 00 00 01 00 06 00 03 00 58 00")
        #expect(
            parseError(oddORO) { raw throws(WireError) in try InformationRequestView(DHCPv6MessageView(parsing: raw)) }
                == .badOptionLength(layer: .dhcpv6, code: 6, length: 3))
        let relay =
            hex("0c 00") + zeros(32) + hex("00 87 00 03 01 02 03") + hex("00 09") + be16(Vectors.query.count)
            + Vectors.query
        #expect(packetError(relay) == .badOptionLength(layer: .relay, code: 135, length: 3))
        let shortRemoteID =
            hex("0c 00") + zeros(32) + hex("00 25 00 02 01 02") + hex("00 09") + be16(Vectors.query.count)
            + Vectors.query
        #expect(packetError(shortRemoteID) == .badOptionLength(layer: .relay, code: 37, length: 2))
    }

    @Test func optionOverloadWithAnUndefinedValue() {
        #expect(
            dhcpv4Error(Vectors.clientHeader() + Vectors.cookie + hex("34 01 04 ff"))
                == .badOptionValue(layer: .dhcpv4, code: 52))
    }

    @Test func badPortParamsInsideAQuery() {
        var query = Vectors.query
        query[query.count - 5] = 0x10  // option 159's offset byte ("9f 04 06 06 00 00 ff") -> 16
        #expect(queryError(query) == .badPortParams(.offsetTooLarge(16)))
    }

    @Test func bufferTooSmallForAnyWrite() {
        var storage = [UInt8](repeating: 0, count: 3)
        storage.withUnsafeMutableBytes { raw in
            var writer = ByteWriter(raw)
            #expect(throws: WireError.bufferTooSmall(needed: 4, available: 3)) { try writer.write(UInt32(1)) }
            #expect(writer.position == 0)
            #expect(throws: WireError.bufferTooSmall(needed: 16, available: 3)) {
                try writer.write(IPv6Address.unspecified)
            }
        }
    }
}
