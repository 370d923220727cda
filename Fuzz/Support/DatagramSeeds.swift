import PortLeaseWire

/// The datagram harness's warm-up and seeds.
///
/// Every input meets the same server: ``FuzzSetup/datagram`` after ``warmUp(_:)``, in which
/// client 1 (one relay, on the link the matched lw4o6 pool serves) and client 2 (a
/// full-address client behind a relay with a Remote-ID) hold leases and client 3 (two
/// relays, a PSID-length hint of 4) holds an offer. The seeds are what those clients and
/// a few new ones would send next, so a mutation of one starts from a state where
/// RENEW, REBIND, RELEASE, DECLINE and SELECTING reach the engine's lease paths.
public enum DatagramSeeds {
    public static let remoteID: [UInt8] = [0, 0, 0x0D, 0xE9] + Array("cpe-2".utf8)

    /// Plays the warm-up on `script`'s run.
    public static func warmUp(_ script: SeedScript) {
        script.add(SeedClient(1, relays: 1))
        script.add(SeedClient(2, full: true, remoteID: remoteID))
        script.add(SeedClient(3, relays: 2, psidLengthHint: 4))
        script.dora(1)
        script.dora(2)
        script.send(3) { $0.discover() }
    }

    /// The seed datagrams, named.
    public static func seeds(_ script: SeedScript) -> [SeedWriter.Seed] {
        var seeds: [SeedWriter.Seed] = []
        func add(_ name: String, _ index: Int, _ build: (inout SeedClient) -> [UInt8]) {
            var client = script.clients[index] ?? SeedClient(index)
            seeds.append((name, build(&client)))
        }
        let server = FuzzSetup.serverIdentifier
        add("c1-renew", 1) { $0.renew() }
        add("c1-rebind", 1) { $0.renew(unicast: false) }
        add("c1-reboot", 1) { $0.reboot() }
        add("c1-release", 1) { $0.release() }
        add("c1-decline", 1) { $0.decline() }
        add("c1-inform", 1) { $0.inform() }
        add("c1-rediscover", 1) { $0.discover() }
        add("c1-other-server", 1) { $0.select(server: IPv4Address(192, 0, 2, 9)) }
        add("c2-renew-remote-id", 2) { $0.renew() }
        add("c2-release-remote-id", 2) { $0.release() }
        add("c3-select-relay2", 3) { $0.select(server: server) }
        add("c3-wrong-psid", 3) {
            $0.portParams = try? PortParams(offset: 6, psidLength: 4, psid: 9)
            return $0.select(server: server)
        }
        for relays in 0...2 {
            add("new-discover-relay\(relays)", 10 + relays) {
                $0.relays = relays
                $0.psidLengthHint = UInt8(2 + relays)
                return $0.discover()
            }
            add("information-request-relay\(relays)", 20 + relays) {
                $0.relays = relays
                return $0.informationRequest()
            }
        }
        add("new-full-discover", 13) {
            $0.full = true
            return $0.discover(requesting: IPv4Address(203, 0, 113, 17))
        }
        add("new-remote-id-discover", 14) {
            $0.remoteID = remoteID
            return $0.discover()
        }
        add("information-request-remote-id", 15) {
            $0.remoteID = remoteID
            return $0.informationRequest()
        }
        add("unknown-reboot", 16) {
            $0.address = IPv4Address(198, 51, 100, 2)
            return $0.reboot()
        }
        return seeds + unusual
    }

    /// Datagrams no client library sends: a DHCPv6 Solicit, a Relay-reply, a DHCPv4
    /// message with option overload (52) carrying options in `file` and `sname`, and a
    /// query cut short.
    static var unusual: [SeedWriter.Seed] {
        let solicit = DHCPv6Message(
            type: .solicit, transactionID: 7, options: [.init(.clientIdentifier, [0, 3, 0, 1])])
        let relayReply = RelayMessage(
            type: .relayReply, hopCount: 0, linkAddress: SeedClient.clientLink, peerAddress: .unspecified,
            options: [.init(.relayMessage, solicit.encoded())])
        var file = [UInt8](repeating: 0, count: 128)
        file.replaceSubrange(0..<9, with: [61, 7, 1, 2, 0, 0x5E, 0, 0, 7] as [UInt8])
        file[9] = 255
        var sname = [UInt8](repeating: 0, count: 64)
        sname.replaceSubrange(0..<4, with: [55, 2, 1, 159] as [UInt8])
        sname[4] = 255
        let overloaded = DHCPv4Message(
            header: DHCPv4Header(
                op: DHCPv4Header.bootRequest, xid: 9,
                chaddr: ClientHardwareAddress(bytes: [2, 0, 0x5E, 0, 0, 7])),
            serverName: sname, bootFileName: file,
            options: [.init(.messageType, [DHCPv4MessageType.discover.rawValue]), .init(.optionOverload, [3])])
        let query = DHCPv6Message(
            type: .dhcpv4Query, transactionID: 0, options: [.init(.dhcpv4Message, overloaded.encoded())]
        ).encoded()
        return [
            ("dhcpv6-solicit", solicit.encoded()), ("relay-reply", relayReply.encoded()),
            ("dhcpv4-option-overload", query), ("truncated-query", Array(query.prefix(query.count / 2))),
        ]
    }
}
