/// Writes big-endian fields into a caller-provided buffer.
///
/// The encoders write replies straight into the send buffer: the caller owns the
/// memory (allocated once and reused), the writer owns only a cursor. Every write
/// is bounds-checked and throws ``WireError/bufferTooSmall(needed:available:)``
/// instead of writing past the end. Length fields whose value is known only
/// after the body is written are reserved first and patched afterwards
/// (``reserveUInt16()`` / ``patchUInt16(_:at:)``), so nested messages (relay
/// chains, option 87) are written outside-in, in one pass, without copying.
public struct ByteWriter {
    /// The memory being written; owned by the caller, who must keep it alive.
    public let buffer: UnsafeMutableRawBufferPointer
    /// The number of bytes written so far: the next write goes here.
    public internal(set) var position: Int

    /// Starts writing at the beginning of `buffer`.
    public init(_ buffer: UnsafeMutableRawBufferPointer) {
        self.buffer = buffer
        position = 0
    }

    /// The bytes written so far.
    public var written: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[0..<position])
    }

    @inline(__always)
    mutating func claim(_ count: Int) throws(WireError) -> Int {
        let start = position
        guard buffer.count - start >= count else {
            throw .bufferTooSmall(needed: start + count, available: buffer.count)
        }
        position = start + count
        return start
    }

    public mutating func write(_ value: UInt8) throws(WireError) {
        let at = try claim(1)
        buffer.storeBytes(of: value, toByteOffset: at, as: UInt8.self)
    }

    public mutating func write(_ value: UInt16) throws(WireError) {
        let at = try claim(2)
        buffer.storeBytes(of: value.bigEndian, toByteOffset: at, as: UInt16.self)
    }

    /// Writes the low 24 bits of `value` (DHCPv6 transaction id / 4o6 flags).
    public mutating func writeUInt24(_ value: UInt32) throws(WireError) {
        let at = try claim(3)
        buffer[at] = UInt8(truncatingIfNeeded: value >> 16)
        buffer[at + 1] = UInt8(truncatingIfNeeded: value >> 8)
        buffer[at + 2] = UInt8(truncatingIfNeeded: value)
    }

    public mutating func write(_ value: UInt32) throws(WireError) {
        let at = try claim(4)
        buffer.storeBytes(of: value.bigEndian, toByteOffset: at, as: UInt32.self)
    }

    public mutating func write(_ address: IPv4Address) throws(WireError) {
        try write(address.value)
    }

    public mutating func write(_ address: IPv6Address) throws(WireError) {
        let at = try claim(16)
        buffer.storeBytes(of: address.high.bigEndian, toByteOffset: at, as: UInt64.self)
        buffer.storeBytes(of: address.low.bigEndian, toByteOffset: at + 8, as: UInt64.self)
    }

    /// Copies `bytes` in (one `memcpy`).
    public mutating func write(bytes: UnsafeRawBufferPointer) throws(WireError) {
        let at = try claim(bytes.count)
        if let base = bytes.baseAddress {
            (buffer.baseAddress! + at).copyMemory(from: base, byteCount: bytes.count)
        }
    }

    /// Copies a byte array in (for configuration-time data such as pre-encoded options).
    public mutating func write(bytes: [UInt8]) throws(WireError) {
        let at = try claim(bytes.count)
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress { (buffer.baseAddress! + at).copyMemory(from: base, byteCount: raw.count) }
        }
    }

    /// Writes `count` zero bytes (unused BOOTP fields).
    public mutating func writeZeros(_ count: Int) throws(WireError) {
        let at = try claim(count)
        (buffer.baseAddress! + at).initializeMemory(as: UInt8.self, repeating: 0, count: count)
    }

    /// Reserves a 16-bit length field to be filled in by ``patchUInt16(_:at:)``; returns its offset.
    public mutating func reserveUInt16() throws(WireError) -> Int {
        try claim(2)
    }

    /// Reserves an 8-bit length field to be filled in by ``patchUInt8(_:at:)``; returns its offset.
    public mutating func reserveUInt8() throws(WireError) -> Int {
        try claim(1)
    }

    /// Fills in a field reserved earlier.
    public func patchUInt16(_ value: UInt16, at offset: Int) {
        precondition(offset >= 0 && offset + 2 <= position, "patch outside the written bytes")
        buffer.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt16.self)
    }

    /// Fills in a field reserved earlier.
    public func patchUInt8(_ value: UInt8, at offset: Int) {
        precondition(offset >= 0 && offset < position, "patch outside the written bytes")
        buffer[offset] = value
    }

    /// Runs `body` on a writer over a new array of `capacity` bytes and returns
    /// what it wrote. For the owned message models (tests, tools), not the hot
    /// path; `capacity` must be enough, which the models compute exactly.
    static func array(capacity: Int, _ body: (inout ByteWriter) throws(WireError) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var writer = ByteWriter(UnsafeMutableRawBufferPointer(buffer))
            do throws(WireError) {
                try body(&writer)
            } catch {
                preconditionFailure("encoder given too small a buffer: \(error)")
            }
            count = writer.position
        }
    }
}
