/// The PSID offset `a` and PSID length `k` of RFC 7597 section 5.1: how a PSID picks its
/// ports out of the 16-bit port space.
///
/// A port is split into `a` high bits `j`, the `k` PSID bits and `m = 16 - a - k` low bits `i`:
///
///     port = (j << (16 - a)) | (psid << m) | i,   i in 0 ..< 2^m
///
/// with `j` in `1 ..< 2^a` when `a > 0` (the `j = 0` block, ports `0 ..< 2^(16 - a)`, belongs
/// to no PSID) and `j = 0` when `a = 0` (one contiguous block). A layout is validated once
/// at construction so the per-port arithmetic below never needs to check again.
public struct PSIDLayout: Hashable, Sendable {
    /// The PSID offset `a`: how many high port bits come before the PSID (`0...16`).
    public let offset: Int
    /// The PSID length `k`: the sharing ratio of an address is `2^k`.
    public let length: Int

    /// Creates a layout after checking `0 <= a <= 16`, `k >= 0` and `a + k <= 16`.
    public init(offset: Int, length: Int) throws(PortSetError) {
        guard (0...16).contains(offset) else { throw .invalidOffset(offset) }
        guard length >= 0, offset + length <= 16 else { throw .invalidLength(offset: offset, length: length) }
        self.offset = offset
        self.length = length
    }

    /// The number of low bits `m = 16 - a - k`: each block of a port set holds `2^m` ports.
    @inlinable public var lowBits: Int { 16 - offset - length }

    /// How many PSIDs this layout has (`2^k`): the sharing ratio of one address.
    @inlinable public var psidCount: Int { 1 << length }

    /// How many blocks of `2^m` contiguous ports a port set has: `2^a - 1` when `a > 0`
    /// (block `j = 0` is excluded), otherwise 1.
    @inlinable public var blocksPerSet: Int { offset == 0 ? 1 : (1 << offset) - 1 }

    /// How many ports every port set of this layout has.
    @inlinable public var portsPerSet: Int { blocksPerSet << lowBits }

    /// The ports of `psid`, or an error when the PSID does not fit in `k` bits.
    public func portSet(psid: Int) throws(PortSetError) -> PortSet {
        guard psid >= 0, psid < psidCount else { throw .invalidPSID(psid: psid, length: length) }
        return PortSet(layout: self, psid: psid)
    }

    /// The PSID whose port set contains `port`, or nil when the port is in the `j = 0`
    /// block that no PSID owns (`a > 0` and `port < 2^(16 - a)`).
    ///
    /// This is the inverse used for traceability: given the port of a logged flow, which
    /// lease held it.
    @inlinable public func psid(containing port: UInt16) -> Int? {
        let value = Int(port)
        if offset > 0 && value >> (16 - offset) == 0 { return nil }
        return (value >> lowBits) & (psidCount - 1)
    }
}
