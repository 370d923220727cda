/// One DHCPv4 option: code and a view of its value inside the received buffer.
public struct DHCPv4Option {
    public var code: DHCPv4OptionCode
    public var value: UnsafeRawBufferPointer
}

/// The options of a DHCPv4 message, validated once, read in place, with option
/// overload (option 52, RFC 2132 section 9.3) supported.
///
/// When the main options area carries option 52, options continue in the `file`
/// field (value 1 or 3) and then the `sname` field (2 or 3), in that order, as
/// RFC 2131 section 4.1 prescribes. Iteration visits the areas in that order and
/// skips pads; an end option (255) closes an area. Options repeated under RFC 3396
/// (long options split in pieces) are visited piece by piece: ``first(_:)``
/// returns the first piece.
/// The view borrows the caller's memory: it is valid only while that buffer is.
public struct DHCPv4Options: Sequence {
    /// The main options area (after the magic cookie).
    public let mainArea: UnsafeRawBufferPointer
    /// Areas holding overloaded options, in visiting order (empty when unused).
    let overloadAreas: (UnsafeRawBufferPointer, UnsafeRawBufferPointer)

    /// An empty option list.
    static var none: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: nil, count: 0) }

    /// Validates the options of a DHCPv4 message: the main area, then the `file`
    /// and `sname` areas if option 52 says so, handing each option to `visit` in
    /// iteration order in the same pass. `mainOffset` is where the main area
    /// starts in the message, so error offsets are message offsets.
    init(
        validatingMain main: UnsafeRawBufferPointer,
        file: UnsafeRawBufferPointer,
        sname: UnsafeRawBufferPointer,
        mainOffset: Int,
        visit: (DHCPv4Option) throws(WireError) -> Void
    ) throws(WireError) {
        let overload = try Self.validateArea(main, baseOffset: mainOffset, allowOverload: true, visit: visit)
        var first = Self.none
        var second = Self.none
        switch overload {
        case 0: break
        case 1: first = file
        case 2: first = sname
        default:
            first = file
            second = sname
        }
        // `file` and `sname` precede the main area in the message: offsets from its start.
        if first.count > 0, let mainStart = main.baseAddress {
            let messageStart = mainStart - mainOffset
            _ = try Self.validateArea(
                first, baseOffset: first.baseAddress! - messageStart, allowOverload: false, visit: visit)
            if second.count > 0 {
                _ = try Self.validateArea(
                    second, baseOffset: second.baseAddress! - messageStart, allowOverload: false, visit: visit)
            }
        }
        mainArea = main
        overloadAreas = (first, second)
    }

    /// Walks one area, visiting its options; returns the option-overload value found (0 if none).
    private static func validateArea(
        _ area: UnsafeRawBufferPointer,
        baseOffset: Int,
        allowOverload: Bool,
        visit: (DHCPv4Option) throws(WireError) -> Void
    ) throws(WireError) -> UInt8 {
        guard let base = area.baseAddress else { return 0 }
        // Offsets stay below `area.count` and lengths below 256: plain additions
        // cannot overflow, so the walk uses wrapping ones (no overflow branches).
        let count = area.count
        var overload: UInt8 = 0
        var offset = 0
        while offset < count {
            let code = base.load(fromByteOffset: offset, as: UInt8.self)
            if code == 0 {
                offset &+= 1
                continue
            }
            if code == 255 { break }
            guard offset &+ 2 <= count else {
                throw .optionOverrun(layer: .dhcpv4, code: UInt16(code), offset: baseOffset + offset)
            }
            let length = Int(base.load(fromByteOffset: offset &+ 1, as: UInt8.self))
            guard offset &+ 2 &+ length <= count else {
                throw .optionOverrun(layer: .dhcpv4, code: UInt16(code), offset: baseOffset + offset)
            }
            let value = UnsafeRawBufferPointer(start: base + (offset &+ 2), count: length)
            if allowOverload && code == DHCPv4OptionCode.optionOverload.rawValue && overload == 0 {
                guard length == 1 else { throw .badOptionLength(layer: .dhcpv4, code: UInt16(code), length: length) }
                overload = value.readUInt8(at: 0)
                guard (1...3).contains(overload) else { throw .badOptionValue(layer: .dhcpv4, code: UInt16(code)) }
            }
            try visit(DHCPv4Option(code: DHCPv4OptionCode(rawValue: code), value: value))
            offset &+= 2 &+ length
        }
        return overload
    }

    public struct Iterator: IteratorProtocol {
        var area: UnsafeRawBufferPointer
        var pending: (UnsafeRawBufferPointer, UnsafeRawBufferPointer)
        var offset = 0

        public mutating func next() -> DHCPv4Option? {
            while true {
                while offset < area.count {
                    let code = area.readUInt8(at: offset)
                    if code == 0 {
                        offset += 1
                        continue
                    }
                    if code == 255 { break }
                    let length = Int(area.readUInt8(at: offset + 1))
                    let value = area.slice(offset + 2, length)
                    offset += 2 + length
                    return DHCPv4Option(code: DHCPv4OptionCode(rawValue: code), value: value)
                }
                guard pending.0.count > 0 else { return nil }
                area = pending.0
                pending = (pending.1, DHCPv4Options.none)
                offset = 0
            }
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(area: mainArea, pending: overloadAreas)
    }

    /// Only the main area's options, ignoring option overload: the literal layout
    /// (what ``DHCPv4Message`` models), not the option set the client meant.
    public var mainAreaOnly: DHCPv4Options {
        DHCPv4Options(mainArea: mainArea, overloadAreas: (Self.none, Self.none))
    }

    init(mainArea: UnsafeRawBufferPointer, overloadAreas: (UnsafeRawBufferPointer, UnsafeRawBufferPointer)) {
        self.mainArea = mainArea
        self.overloadAreas = overloadAreas
    }

    /// True when options continue in `file` and/or `sname` (option 52 was present).
    public var isOverloaded: Bool { overloadAreas.0.count > 0 }

    /// The value of the first option with `code`, in any area, or nil.
    public func first(_ code: DHCPv4OptionCode) -> UnsafeRawBufferPointer? {
        for option in self where option.code == code { return option.value }
        return nil
    }
}
