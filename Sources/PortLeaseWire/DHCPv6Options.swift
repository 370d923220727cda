/// One DHCPv6 option: its code and a view of its value inside the received buffer.
public struct DHCPv6Option {
    public var code: DHCPv6OptionCode
    /// The option's value bytes (without the 4-byte code/length header).
    public var value: UnsafeRawBufferPointer
}

/// The options area of a DHCPv6 or relay message, validated once, read in place.
///
/// `init(validating:layer:)` walks every option header and checks that each value
/// lies inside the area, so iteration and look-ups afterwards cannot fail or read
/// out of bounds. Repeated options are kept in order (``all(_:)``).
/// The view borrows the caller's memory: it is valid only while that buffer is.
public struct DHCPv6Options: Sequence {
    /// The whole options area.
    public let bytes: UnsafeRawBufferPointer

    /// Validates an options area: every option's 4-byte header and its value must
    /// fit. Throws ``WireError/optionOverrun(layer:code:offset:)`` otherwise.
    public init(validating bytes: UnsafeRawBufferPointer, layer: WireLayer = .dhcpv6) throws(WireError) {
        try self.init(validating: bytes, layer: layer) { (_: DHCPv6Option) throws(WireError) in }
    }

    /// Validates an options area and hands each option to `visit` in the same pass,
    /// so a decoder that classifies options reads the area once.
    init(
        validating bytes: UnsafeRawBufferPointer, layer: WireLayer,
        visit: (DHCPv6Option) throws(WireError) -> Void
    ) throws(WireError) {
        // Offsets stay within `bytes.count` and lengths below 65,536: the walk's
        // arithmetic cannot overflow, so it wraps instead of checking.
        var offset = 0
        while offset < bytes.count {
            guard bytes.count &- offset >= 4 else {
                let code = bytes.count &- offset >= 2 ? bytes.readUInt16(at: offset) : 0
                throw .optionOverrun(layer: layer, code: code, offset: offset)
            }
            let code = bytes.readUInt16(at: offset)
            let length = Int(bytes.readUInt16(at: offset &+ 2))
            guard bytes.count &- offset &- 4 >= length else {
                throw .optionOverrun(layer: layer, code: code, offset: offset)
            }
            let value = UnsafeRawBufferPointer(start: bytes.baseAddress! + (offset &+ 4), count: length)
            try visit(DHCPv6Option(code: DHCPv6OptionCode(rawValue: code), value: value))
            offset &+= 4 &+ length
        }
        self.bytes = bytes
    }

    /// An empty options area.
    public static var empty: DHCPv6Options {
        DHCPv6Options(unchecked: UnsafeRawBufferPointer(start: nil, count: 0))
    }

    init(unchecked bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    public struct Iterator: IteratorProtocol {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        public mutating func next() -> DHCPv6Option? {
            // The area was validated: every header and value lies inside it.
            guard offset < bytes.count else { return nil }
            let code = bytes.readUInt16(at: offset)
            let length = Int(bytes.readUInt16(at: offset &+ 2))
            let value = UnsafeRawBufferPointer(start: bytes.baseAddress! + (offset &+ 4), count: length)
            offset &+= 4 &+ length
            return DHCPv6Option(code: DHCPv6OptionCode(rawValue: code), value: value)
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(bytes: bytes)
    }

    /// The value of the first option with `code`, or nil.
    public func first(_ code: DHCPv6OptionCode) -> UnsafeRawBufferPointer? {
        for option in self where option.code == code { return option.value }
        return nil
    }

    /// How many options with `code` the area holds.
    public func count(of code: DHCPv6OptionCode) -> Int {
        var count = 0
        for option in self where option.code == code { count += 1 }
        return count
    }

    /// The values of every option with `code`, in order (lazily, no allocation).
    public func all(_ code: DHCPv6OptionCode) -> LazyMapSequence<
        LazyFilterSequence<DHCPv6Options>, UnsafeRawBufferPointer
    > {
        lazy.filter { $0.code == code }.map(\.value)
    }
}
