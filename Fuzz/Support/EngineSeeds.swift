import PortLeaseWire

/// The engine harness's seeds: short client conversations, each played through a real
/// ``EngineRun`` so that every REQUEST names what the server really offered.
///
/// Together they reach each lease path the harness audits: DORA, renewal (RENEWING and
/// REBINDING), INIT-REBOOT, release and the previous binding, decline and the end of its
/// quarantine, offer timeout, pool exhaustion and lease expiry, NAKs, the subscriber
/// limit under each key, a client moving between subscribers, the DISCOVER rate limit,
/// matched and fallback pools, INFORM and Information-Request.
public enum EngineSeeds {
    static let advances = StepInput.advances

    public static func seeds(recordCheck: RecordCheck) -> [SeedWriter.Seed] {
        scripted(recordCheck: recordCheck) + commands
    }

    /// Command seeds (``ClientCommand``): the same conversations, compactly.
    static var commands: [SeedWriter.Seed] {
        /// One step: client `client` sends `message` (a ``ClientCommand`` byte 1) after `advance`.
        func step(_ client: Int, _ message: UInt8, advance: Int64 = 0, relay: UInt8 = 1, extra: [UInt8] = [])
            -> [UInt8]
        {
            StepInput.encode(
                advance: advance,
                command: ClientCommand.encode(client: client, message: message, relay: relay, extra: extra))
        }
        func dora(_ client: Int, relay: UInt8 = 1, extra: [UInt8] = []) -> [UInt8] {
            step(client, 0, relay: relay, extra: extra) + step(client, 1, relay: relay, extra: extra)
        }
        let lifeCycle =
            dora(0) + step(0, 2, advance: advances[5]) + step(0, 2, advance: advances[3], relay: 2) + step(0, 3)
            + step(0, 4, advance: advances[1]) + dora(0) + step(0, 5) + step(0, 6) + step(0, 7) + dora(0)
        let limit = (0..<4).flatMap { dora($0, relay: 3) } + step(1, 2, relay: 3, extra: [0, 0, 0, 0, 1])
        let exhaustion =
            (0..<10).flatMap { dora($0, relay: UInt8($0 % 3), extra: [0, 0, 0, 0, 0, UInt8(2 + $0 % 3)]) }
            + step(3, 0, advance: advances[6]) + dora(12)
        let withoutClientID = dora(0) + step(5, 0 | 8) + step(5, 1 | 8) + step(5, 4 | 8)
        return [
            ("commands-lease-life", [0] + lifeCycle), ("commands-limit-remote-id", [0b0000_1101] + limit),
            ("commands-exhaustion", [0b0110_0100] + exhaustion), ("commands-no-client-id", [0] + withoutClientID),
        ]
    }

    static func scripted(recordCheck: RecordCheck) -> [SeedWriter.Seed] {
        func play(_ name: String, variant: UInt8, _ body: (SeedScript) -> Void) -> SeedWriter.Seed {
            let script = SeedScript(EngineRun(FuzzSetup(variant: variant), recordCheck: recordCheck))
            body(script)
            script.run.finish()
            return (name, script.input)
        }
        let server = FuzzSetup.serverIdentifier
        return [
            play("lease-life", variant: 0) { script in
                script.add(SeedClient(1))
                script.dora(1)
                script.send(1, advance: advances[5]) { $0.renew() }
                script.send(1, advance: advances[3]) { $0.renew(unicast: false) }
                script.send(1) { $0.reboot() }
                script.send(1, advance: advances[1]) { $0.release() }
                script.dora(1, advance: advances[1])
            },
            play("exhaustion-expiry", variant: 0b0000_0100) { script in
                for index in 1...20 {
                    script.add(SeedClient(index, relays: index % 3, psidLengthHint: [nil, 2, 4][index % 3]))
                    script.dora(index)
                }
                for index in 21...24 {
                    script.add(SeedClient(index, full: true))
                    script.dora(index)
                }
                script.send(21, advance: advances[6]) { $0.discover() }
                script.add(SeedClient(25))
                script.dora(25)
            },
            play("decline-quarantine", variant: 0) { script in
                script.add(SeedClient(1))
                script.dora(1)
                script.send(1, advance: advances[1]) { $0.decline() }
                script.dora(1)
                script.send([], advance: advances[5])
                script.dora(1)
            },
            play("offer-timeout-naks", variant: 0b0010_0000) { script in
                script.add(SeedClient(1))
                script.add(SeedClient(2, full: true))
                script.send(1) { $0.discover() }
                script.send(1, advance: advances[4]) { $0.select(server: server) }
                script.send(2) { $0.discover() }
                script.send(2) { $0.select(server: IPv4Address(192, 0, 2, 9)) }
                script.send(2) {
                    $0.address = IPv4Address(203, 0, 113, 16)
                    return $0.reboot()
                }
                script.send(2) { $0.renew() }
                script.send(1) { $0.inform() }
                script.send(1) { $0.informationRequest() }
            },
            play("limit-remote-id", variant: 0b0000_1101) { script in
                for index in 1...4 {
                    script.add(SeedClient(index, remoteID: DatagramSeeds.remoteID))
                    script.dora(index)
                }
                script.send(1, advance: advances[1]) { $0.release() }
                script.dora(4)
                script.send(2) {
                    $0.remoteID = [0, 0, 0x0D, 0xE9] + Array("cpe-9".utf8)
                    return $0.renew()
                }
            },
            play("limit-prefix", variant: 0b0000_0010) { script in
                for index in 1...3 {
                    script.add(SeedClient(index))
                    script.dora(index)
                }
                script.send(1, advance: advances[7]) { $0.discover() }
            },
            play("limit-subscriber-id", variant: 0b0000_0111) { script in
                for index in 1...3 {
                    var client = SeedClient(index, remoteID: DatagramSeeds.remoteID)
                    client.subscriberID = Array("site-\(index / 2)".utf8)
                    script.add(client)
                    script.dora(index)
                }
            },
            play("discover-rate", variant: 0) { script in
                for index in 1...7 {
                    script.add(SeedClient(index, relays: 0))
                    script.send(index, advance: index == 6 ? advances[1] : 0) { $0.discover() }
                }
            },
            play("matched-fallback", variant: 0b1110_0100) { script in
                for index in 1...6 {
                    script.add(SeedClient(index, relays: 1, full: index > 4))
                    script.dora(index)
                }
                script.add(SeedClient(7, relays: 0))
                script.dora(7)
                script.send(1) { $0.inform() }
            },
        ]
    }
}
