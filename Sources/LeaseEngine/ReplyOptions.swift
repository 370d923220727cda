import PortLeaseWire

/// The option bytes of one pool's OFFERs and ACKs after options 53 and 54, encoded
/// once into a single array: lease time, T1 and T2 (51, 58, 59) first, then each
/// configured option in code order (long values already split per RFC 3396).
///
/// A reply copies the options it carries as runs of adjacent bytes: with lease
/// times and every configured option requested (the usual DORA), that is one
/// `memcpy` instead of one per option from separate arrays. Immutable, and a class
/// so that the reply path takes a pool's options out of the engine's array with one
/// retain instead of copying a struct of two arrays (about 150 instructions).
final class ReplyOptions {
    /// Options 51, 58 and 59, then the pool's options.
    private let bytes: [UInt8]
    /// Where options 51, 58 and 59 end in ``bytes``.
    private let leaseTimesEnd: Int
    /// Each configured option: its code and where its bytes end in ``bytes`` (it
    /// starts where the previous one ends).
    private let options: [(code: UInt8, end: Int)]
    /// Option codes sent whether or not the client asked for them.
    private let alwaysSend: RequestedCodes
    /// The codes of the configured options.
    private let configured: RequestedCodes

    init(_ policy: PoolPolicy) {
        let options = policy.options
        let times: [(code: DHCPv4OptionCode, seconds: UInt32)] = [
            (.leaseTime, policy.validLifetime), (.renewalTime, policy.effectiveRenewalTime),
            (.rebindingTime, policy.effectiveRebindingTime),
        ]
        var bytes = times.flatMap(Self.option)
        leaseTimesEnd = bytes.count
        var ends: [(code: UInt8, end: Int)] = []
        for option in options.encoded() {
            bytes += option.bytes
            ends.append((option.code, bytes.count))
        }
        self.bytes = bytes
        self.options = ends
        alwaysSend = RequestedCodes(codes: options.alwaysSend)
        configured = RequestedCodes(codes: ends.map(\.code))
    }

    /// A 4-byte option, encoded.
    private static func option(_ code: DHCPv4OptionCode, _ value: UInt32) -> [UInt8] {
        [
            code.rawValue, 4, UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF),
            UInt8(value & 0xFF),
        ]
    }

    /// Writes options 51, 58 and 59 when `leaseTimes`, then the configured options
    /// that are `requested` (the client's option 55) or always sent.
    func write(leaseTimes: Bool, requested: RequestedCodes, to writer: inout ByteWriter) throws(WireError) {
        try bytes.withUnsafeBufferPointer { (buffer) throws(WireError) in
            let raw = UnsafeRawBufferPointer(buffer)
            // Usually the client asks for every configured option: all of them in one copy.
            if configured.isSubset(of: requested.union(alwaysSend)) {
                try writer.write(bytes: UnsafeRawBufferPointer(rebasing: raw[(leaseTimes ? 0 : leaseTimesEnd)...]))
                return
            }
            // The run of adjacent selected bytes not yet written, and where the next option starts.
            var runStart = leaseTimes ? 0 : leaseTimesEnd
            var runEnd = leaseTimesEnd
            var start = leaseTimesEnd
            for option in options {
                if requested.contains(option.code) || alwaysSend.contains(option.code) {
                    if start != runEnd {
                        if runEnd > runStart {
                            try writer.write(bytes: UnsafeRawBufferPointer(rebasing: raw[runStart..<runEnd]))
                        }
                        runStart = start
                    }
                    runEnd = option.end
                }
                start = option.end
            }
            if runEnd > runStart {
                try writer.write(bytes: UnsafeRawBufferPointer(rebasing: raw[runStart..<runEnd]))
            }
        }
    }
}
