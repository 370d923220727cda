import PortLeaseSystem

/// A classic BPF socket filter that drops DHCPv4 DISCOVERs in the kernel, before they are
/// queued on the socket, and lets everything else through: attached by the receive thread
/// while its workers are shedding DISCOVERs anyway, so a shed DISCOVER costs no `recvmsg`.
///
/// Under overload each shed DISCOVER (and its RFC 2131 retransmissions) cost the receive thread
/// about 1 us of a CPU the workers needed (RESULTS.md, issue 17). The program reads a datagram
/// the way ``Classifier`` does, without loops (classic BPF jumps only forward), so it looks a
/// bounded distance: up to two Relay-forward levels, the first four options of each relay and
/// of the DHCPV4-QUERY (for options 9 and 87), and the first six DHCPv4 options (pads
/// included) for option 53. It drops only what it has positively read as a DISCOVER; a
/// datagram it cannot read to the end (short, other layouts, option overload) is let through
/// for the classifier to judge. Every load is preceded by a length check, since a load past
/// the end would make the kernel drop the datagram.
public enum DiscoverFilter {
    /// The program (offset 0 is the UDP header).
    public static let program: [SocketFilterInstruction] = build()

    private typealias A = FilterAssembler
    private static let accept: UInt32 = 0xFFFF_FFFF
    private static let relayForward: UInt32 = 12
    private static let dhcpv4Query: UInt32 = 20
    private static let relayMessageOption: UInt32 = 9
    private static let dhcpv4MessageOption: UInt32 = 87

    private static func build() -> [SocketFilterInstruction] {
        var code = FilterAssembler()
        code.emit(A.loadXConstant, 8)  // X: where the DHCPv6 message at this depth starts
        for depth in 0...2 {
            level(&code, depth)
            if depth < 2 { relay(&code, depth) }
            query(&code, depth)
        }
        return code.assemble()
    }

    /// Goes on only when `count` bytes from X are in the datagram; else to `otherwise`.
    private static func require(_ code: inout FilterAssembler, _ count: UInt32, otherwise: String) {
        code.emit(A.loadLength)
        code.jump(A.jumpIfGreaterThanX, ifFalse: otherwise)  // length > X
        code.emit(A.subtractX)
        code.jump(A.jumpIfGreater, count - 1, ifFalse: otherwise)  // length - X >= count
    }

    /// X += `amount`.
    private static func advance(_ code: inout FilterAssembler, by amount: UInt32) {
        code.emit(A.copyXToA)
        code.emit(A.addConstant, amount)
        code.emit(A.copyAToX)
    }

    /// The DHCPv6 message at X: a DHCPV4-QUERY, a Relay-forward (below two levels), or other.
    private static func level(_ code: inout FilterAssembler, _ depth: Int) {
        code.label("level\(depth)")
        require(&code, 1, otherwise: "accept-level\(depth)")
        code.emit(A.loadByte, 0)
        code.jump(A.jumpIfEqual, dhcpv4Query, ifTrue: "to-query\(depth)")
        if depth < 2 { code.jump(A.jumpIfEqual, relayForward, ifTrue: "to-relay\(depth)") }
        code.label("accept-level\(depth)")
        code.emit(A.returnConstant, accept)
        code.label("to-query\(depth)")
        code.always("query\(depth)")
        if depth < 2 {
            code.label("to-relay\(depth)")
            code.always("relay\(depth)")
        }
    }

    /// Moves X to the option `option` among the first four DHCPv6 options from X, or goes to
    /// `otherwise`.
    private static func findOption(
        _ code: inout FilterAssembler, _ option: UInt32, found: String, otherwise: String
    ) {
        for _ in 0..<4 {
            require(&code, 4, otherwise: otherwise)
            code.emit(A.loadHalf, 0)
            code.jump(A.jumpIfEqual, option, ifTrue: found)
            code.emit(A.loadHalf, 2)
            code.emit(A.addConstant, 4)
            code.emit(A.addX)
            code.emit(A.copyAToX)
        }
        code.always(otherwise)
    }

    /// A Relay-forward at X: its options start 34 bytes in; the relayed message is option 9's value.
    private static func relay(_ code: inout FilterAssembler, _ depth: Int) {
        code.label("relay\(depth)")
        advance(&code, by: 34)
        findOption(&code, relayMessageOption, found: "relay-found\(depth)", otherwise: "accept-relay\(depth)")
        code.label("accept-relay\(depth)")
        code.emit(A.returnConstant, accept)
        code.label("relay-found\(depth)")
        advance(&code, by: 4)
        code.always("level\(depth + 1)")
    }

    /// A DHCPV4-QUERY at X: option 87 holds the DHCPv4 message, whose options follow the
    /// 236-byte header and the magic cookie; drop when option 53 says DISCOVER (1).
    private static func query(_ code: inout FilterAssembler, _ depth: Int) {
        let accept = "accept-query\(depth)"
        code.label("query\(depth)")
        advance(&code, by: 4)
        findOption(&code, dhcpv4MessageOption, found: "message\(depth)", otherwise: accept)
        code.label(accept)
        code.emit(A.returnConstant, Self.accept)
        code.label("message\(depth)")
        advance(&code, by: 4 + 236)
        require(&code, 4, otherwise: "accept-cookie\(depth)")
        code.emit(A.loadWord, 0)
        code.jump(A.jumpIfEqual, 0x6382_5363, ifFalse: "accept-cookie\(depth)")
        advance(&code, by: 4)
        for index in 0..<6 {
            let next = "option\(depth)-\(index + 1)"
            require(&code, 1, otherwise: "accept-cookie\(depth)")
            code.emit(A.loadByte, 0)
            code.jump(A.jumpIfEqual, 53, ifTrue: "type\(depth)-\(index)")
            code.jump(A.jumpIfEqual, 0, ifTrue: "pad\(depth)-\(index)")
            code.jump(A.jumpIfEqual, 255, ifTrue: "accept-cookie\(depth)")
            require(&code, 2, otherwise: "accept-cookie\(depth)")
            code.emit(A.loadByte, 1)
            code.emit(A.addConstant, 2)
            code.emit(A.addX)
            code.emit(A.copyAToX)
            code.always(next)
            code.label("pad\(depth)-\(index)")
            advance(&code, by: 1)
            code.label(next)
        }
        code.label("accept-cookie\(depth)")
        code.emit(A.returnConstant, Self.accept)
        for index in 0..<6 {
            let keep = "keep\(depth)-\(index)"
            code.label("type\(depth)-\(index)")
            require(&code, 3, otherwise: keep)
            code.emit(A.loadByte, 1)
            code.jump(A.jumpIfEqual, 1, ifFalse: keep)  // option 53 is one byte long
            code.emit(A.loadByte, 2)
            code.jump(A.jumpIfEqual, 1, ifFalse: keep)  // DHCPDISCOVER
            code.emit(A.returnConstant, 0)
            code.label(keep)
            code.emit(A.returnConstant, Self.accept)
        }
    }
}
