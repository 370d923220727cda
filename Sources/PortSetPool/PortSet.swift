/// The exact ports of one PSID under a ``PSIDLayout``, in increasing order.
///
/// A random-access collection computed from `(a, k, psid)`: iterating, counting or
/// indexing it never allocates, so the engine can hand option 159 values to logging and
/// tests can check every port without building arrays.
public struct PortSet: RandomAccessCollection, Hashable, Sendable {
    /// The offset and length the PSID is interpreted with.
    public let layout: PSIDLayout
    /// The PSID, `0 ..< 2^k`.
    public let psid: Int

    init(layout: PSIDLayout, psid: Int) {
        self.layout = layout
        self.psid = psid
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { layout.portsPerSet }

    /// The `position`-th port: block `position >> m`, port `position & (2^m - 1)` within it.
    public subscript(position: Int) -> UInt16 {
        precondition(position >= 0 && position < endIndex, "PortSet index out of range")
        let m = layout.lowBits
        let firstBlock = layout.offset == 0 ? 0 : 1
        let j = firstBlock + (position >> m)
        let i = position & ((1 << m) - 1)
        return UInt16(truncatingIfNeeded: j << (16 - layout.offset) | psid << m | i)
    }

    /// Whether `port` belongs to this set, in constant time.
    public func contains(_ port: UInt16) -> Bool {
        layout.psid(containing: port) == psid
    }

    /// Whether any port of this set lies in `range` (a reserved range, for example).
    ///
    /// Walks the blocks rather than the ports: at most `2^a - 1` comparisons.
    public func overlaps(_ range: ClosedRange<Int>) -> Bool {
        for block in 0..<layout.blocksPerSet {
            let ports = self.block(block)
            if ports.lowerBound > range.upperBound { return false }
            if ports.upperBound >= range.lowerBound { return true }
        }
        return false
    }

    /// The set's ports as ranges, one per block (`2^a - 1` of them, one when `a` is 0), in
    /// increasing order: how an export or a firewall rule writes a port set.
    public var ranges: [ClosedRange<Int>] {
        (0..<layout.blocksPerSet).map(block)
    }

    /// The ports of the `index`-th block (from 0): block `j` (from 1 when `a > 0`, since block 0
    /// holds the ports below `2^(16 - a)`), PSID, then every `m`-bit suffix.
    private func block(_ index: Int) -> ClosedRange<Int> {
        let m = layout.lowBits
        let j = index + (layout.offset == 0 ? 0 : 1)
        let low = j << (16 - layout.offset) | psid << m
        return low...(low + (1 << m) - 1)
    }
}

extension PortSet {
    /// The ports of (offset `a`, PSID length `k`, `psid`) written out as ranges (`"1024-1039"`, one
    /// per block), or `["0-65535"]` when `k` is 0 (a whole address); empty for an invalid triple.
    /// What operators and abuse desks read: with `a > 0` a port set is several runs, not one range.
    public static func rangeTexts(offset: Int, length: Int, psid: Int) -> [String] {
        guard length > 0 else { return ["0-65535"] }
        guard let layout = try? PSIDLayout(offset: offset, length: length), let set = try? layout.portSet(psid: psid)
        else { return [] }
        return set.ranges.map { "\($0.lowerBound)-\($0.upperBound)" }
    }
}
