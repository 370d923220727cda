import Testing

@testable import PortLeaseWire

/// Millions of random and mutated datagrams through every decoder. Each input must
/// yield a value or a typed ``WireError`` (a trap or an out-of-bounds read would
/// crash the test process), and every view a decoder returns must lie inside the
/// input buffer. The counts check the inputs exercised both outcomes.
@Suite struct RobustnessTests {
    /// Valid messages of every kind, and random relayed queries, to mutate.
    static let corpus: [[UInt8]] = {
        var corpus = [
            Vectors.query, Vectors.twoLevelRelay, Vectors.informationRequest, Vectors.informationReply,
            Vectors.response, Vectors.twoLevelReply, Vectors.discover, Vectors.offer,
            DHCPv4MessageViewTests.overloaded,
        ]
        var generator = MessageGenerator(seed: 0xF022)
        for _ in 0..<24 {
            let dhcpv4 = generator.dhcpv4()
            let query = generator.query(dhcpv4, unicast: generator.bool()).encoded()
            let levels = generator.relayChain(around: query, depth: generator.int(0...3))
            corpus.append(levels.first?.encoded() ?? query)
            corpus.append(dhcpv4.encoded())
        }
        return corpus
    }()

    struct Tally {
        var values = 0
        var errors = 0
        var kinds: Set<String> = []

        mutating func record<T>(_ result: Result<T, WireError>) {
            switch result {
            case .success: values += 1
            case .failure(let error):
                errors += 1
                kinds.insert(String(describing: error).prefix { $0 != "(" }.description)
            }
        }
    }

    static func inside(_ view: UnsafeRawBufferPointer?, _ buffer: UnsafeRawBufferPointer) -> Bool {
        guard let view, view.count > 0 else { return true }
        guard let base = view.baseAddress, let start = buffer.baseAddress else { return false }
        return base >= start && base + view.count <= start + buffer.count
    }

    /// Runs every decoder that could apply to `raw`, checking the views it returns.
    static func exercise(_ raw: UnsafeRawBufferPointer, _ tally: inout Tally) {
        tally.record(
            parse(raw) { raw throws(WireError) in
                let packet = try DHCPv6Packet(parsing: raw)
                for index in 0..<packet.relays.depth {
                    let level = packet.relays[index]
                    precondition(inside(level.relayedMessage, raw) && inside(level.interfaceID, raw))
                    precondition(inside(level.remoteID, raw) && inside(level.subscriberID, raw))
                    for option in level.options { precondition(inside(option.value, raw)) }
                }
                for option in packet.message.options { precondition(inside(option.value, raw)) }
                switch packet.message.type {
                case .dhcpv4Query, .dhcpv4Response:
                    let query = try DHCPv4QueryView(packet.message, type: packet.message.type)
                    try exerciseDHCPv4(query.dhcpv4Message, raw)
                case .informationRequest:
                    let request = try InformationRequestView(packet.message)
                    precondition(inside(request.clientIdentifier, raw) && inside(request.requestedOptions, raw))
                    _ = request.requests(.dhcp4o6ServerAddresses)
                default:
                    if let list = packet.message.options.first(.dhcp4o6ServerAddresses) {
                        for address in try DHCP4o6ServerAddresses(validating: list) { _ = address.high }
                    }
                }
            })
        tally.record(parse(raw) { raw throws(WireError) in try exerciseDHCPv4(raw, raw) })
    }

    static func exerciseDHCPv4(_ bytes: UnsafeRawBufferPointer, _ buffer: UnsafeRawBufferPointer) throws(WireError) {
        let message = try DHCPv4MessageView(parsing: bytes)
        for option in message.options { precondition(inside(option.value, buffer)) }
        precondition(inside(message.clientIdentifier, buffer) && inside(message.parameterRequestList, buffer))
        _ = message.clientKey?.stableHash
        _ = message.clientKeyHash
        _ = message.requests(.portParams)
    }

    /// Applies one random mutation to `bytes` in place.
    static func mutate(_ bytes: inout [UInt8], _ random: inout SeededGenerator) {
        guard !bytes.isEmpty else { return }
        let position = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<6, using: &random) {
        case 0:  // truncate
            bytes.removeLast(bytes.count - position)
        case 1:  // flip one bit
            bytes[position] ^= 1 << UInt8.random(in: 0...7, using: &random)
        case 2:  // overwrite one byte
            bytes[position] = UInt8.random(in: 0...255, using: &random)
        case 3:  // corrupt a (possible) 16-bit length field
            let value = UInt16.random(in: 0...UInt16.max, using: &random)
            bytes[position] = UInt8(value >> 8)
            if position + 1 < bytes.count { bytes[position + 1] = UInt8(value & 0xFF) }
        case 4:  // small length change: off by one either way
            bytes[position] = Bool.random(using: &random) ? bytes[position] &+ 1 : bytes[position] &- 1
        default:  // insert random bytes
            bytes.insert(contentsOf: random.bytes(Int.random(in: 1...8, using: &random)), at: position)
        }
    }

    @Test(arguments: 0..<4)
    func mutatedDatagrams(batch: Int) {
        var random = SeededGenerator(seed: 0xBAD_5EED &+ UInt64(batch))
        var tally = Tally()
        var scratch: [UInt8] = []
        scratch.reserveCapacity(70_000)
        for _ in 0..<250_000 {
            let seed = Self.corpus[Int.random(in: 0..<Self.corpus.count, using: &random)]
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: seed)
            for _ in 0..<Int.random(in: 1...3, using: &random) { Self.mutate(&scratch, &random) }
            scratch.withUnsafeBytes { Self.exercise($0, &tally) }
        }
        #expect(tally.values > 10_000)
        #expect(tally.errors > 10_000)
        #expect(tally.kinds.count >= 8, "error kinds seen: \(tally.kinds.sorted())")
    }

    @Test(arguments: 0..<2)
    func randomDatagrams(batch: Int) {
        var random = SeededGenerator(seed: 0x5EED &+ UInt64(batch))
        var tally = Tally()
        var scratch = [UInt8](repeating: 0, count: 600)
        for _ in 0..<250_000 {
            let count = Int.random(in: 0...600, using: &random)
            scratch.withUnsafeMutableBytes { raw in
                for index in 0..<count { raw[index] = UInt8(truncatingIfNeeded: random.next()) }
                // Bias a quarter of the inputs towards plausible message types and a DHCPv4 cookie.
                if count > 0 && Bool.random(using: &random) { raw[0] = [11, 12, 20, 21][Int(random.next() % 4)] }
                if count >= 240 && Bool.random(using: &random) {
                    raw.storeBytes(of: DHCPv4Header.magicCookie.bigEndian, toByteOffset: 236, as: UInt32.self)
                }
                Self.exercise(UnsafeRawBufferPointer(rebasing: raw[0..<count]), &tally)
            }
        }
        #expect(tally.values + tally.errors == 500_000)
        #expect(tally.errors > 100_000)
    }

    @Test func everyFourByteOption159() {
        var accepted = 0
        var bytes = [UInt8](repeating: 0, count: 4)
        for offset in 0...17 {
            for length in 0...17 {
                for field in stride(from: 0, through: 0xFFFF, by: 257) {
                    bytes[0] = UInt8(offset)
                    bytes[1] = UInt8(length)
                    bytes[2] = UInt8(field >> 8)
                    bytes[3] = UInt8(field & 0xFF)
                    let result = bytes.withUnsafeBytes { raw -> PortParams? in try? PortParams(wireValue: raw) }
                    if let params = result {
                        accepted += 1
                        #expect(params.wirePSID == UInt16(field))
                        #expect(Int(params.offset) + Int(params.psidLength) <= 16)
                    }
                }
            }
        }
        #expect(accepted > 0)
    }
}
