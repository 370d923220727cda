import PortLeaseWire

/// Writing DHCPv4 replies (RFC 2131 section 4.3.1, table 3).
extension LeaseEngine {
    /// Writes an OFFER or ACK carrying `binding` (or, for INFORM, only options) into
    /// `reply`. Lease time, T1 and T2 when `leaseTimes`; the pool's options the
    /// client asked for or that are always sent; option 159 only when the client
    /// listed it and the binding is a port set (RFC 7618 section 8).
    func writeReply(
        _ type: DHCPv4MessageType, _ context: RequestContext, binding: Binding?, pool: Int?, ciaddr: IPv4Address,
        leaseTimes: Bool, reply: inout ByteWriter
    ) -> Bool {
        let request = context.message.header
        var header = DHCPv4Header(
            op: DHCPv4Header.bootReply, htype: request.htype, hlen: request.hlen, xid: request.xid,
            flags: request.flags, ciaddr: ciaddr, yiaddr: binding?.address ?? .zero, giaddr: request.giaddr,
            chaddr: request.chaddr)
        header.hops = 0
        do throws(WireError) {
            try reply.writeDHCPv4Header(header)
            // Options 53 and 54 in one copy: the template with this reply's type.
            var prefix = replyOptionsPrefix
            try withUnsafeMutableBytes(of: &prefix) { (raw) throws(WireError) in
                raw[2] = type.rawValue
                try reply.write(bytes: UnsafeRawBufferPointer(rebasing: raw[0..<Self.replyOptionsPrefixSize]))
            }
            if let pool {
                try replyOptions[pool].write(leaseTimes: leaseTimes, requested: context.requested, to: &reply)
            }
            if let binding, binding.psidLength != 0, context.wantsPortParams {
                guard let params = portParams(of: binding) else { return false }
                try params.write(to: &reply)
            }
            try reply.writeDHCPv4End()
            return true
        } catch {
            return false
        }
    }

    /// Bytes of ``replyOptionsPrefix`` in use: option 53 (3) and option 54 (6).
    static let replyOptionsPrefixSize = 9

    /// Option 53 with type 0 and option 54 with `serverIdentifier`, the first
    /// option bytes of every reply, in a value the reply path copies on the stack.
    static func replyOptionsPrefix(serverIdentifier: IPv4Address) -> (UInt64, UInt64) {
        var prefix: (UInt64, UInt64) = (0, 0)
        let id = serverIdentifier.value
        let bytes: [UInt8] = [
            DHCPv4OptionCode.messageType.rawValue, 1, 0, DHCPv4OptionCode.serverIdentifier.rawValue, 4,
            UInt8(id >> 24), UInt8(id >> 16 & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id & 0xFF),
        ]
        withUnsafeMutableBytes(of: &prefix) { $0.copyBytes(from: bytes) }
        return prefix
    }

    /// Option 159's value for `binding` (nil only if the pool and binding disagree,
    /// which the pool's validation rules out).
    func portParams(of binding: Binding) -> PortParams? {
        try? PortParams(offset: facts[Int(binding.pool)].psidOffset, psidLength: binding.psidLength, psid: binding.psid)
    }

    /// Writes a DHCPNAK: message type, server identifier, nothing else (RFC 2131 table 3).
    func writeNak(_ context: RequestContext, reply: inout ByteWriter) -> EngineOutcome {
        counters.naks += 1
        guard writeReply(.nak, context, binding: nil, pool: nil, ciaddr: .zero, leaseTimes: false, reply: &reply)
        else { return drop(.replyTooLarge) }
        return .reply(.nak, afterCommit: false)
    }
}

/// The option codes a parameter request list (55) names, as a 256-bit set.
struct RequestedCodes {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init(_ list: UnsafeRawBufferPointer) {
        for code in list { insert(code) }
    }

    init(codes: some Sequence<UInt8>) {
        for code in codes { insert(code) }
    }

    private mutating func insert(_ code: UInt8) {
        let bit = UInt64(1) << UInt64(code & 63)
        switch code >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    /// The codes in either set.
    func union(_ other: RequestedCodes) -> RequestedCodes {
        var union = self
        union.words.0 |= other.words.0
        union.words.1 |= other.words.1
        union.words.2 |= other.words.2
        union.words.3 |= other.words.3
        return union
    }

    /// True when every code of this set is in `other`.
    func isSubset(of other: RequestedCodes) -> Bool {
        (words.0 & ~other.words.0) | (words.1 & ~other.words.1) | (words.2 & ~other.words.2)
            | (words.3 & ~other.words.3) == 0
    }

    func contains(_ code: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(code & 63)
        switch code >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }
}
