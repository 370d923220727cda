import PortLeaseTestSupport
import PortLeaseWire

/// Bytes from hex text; spaces and newlines are ignored. Test vectors are written this way.
func hex(_ text: String) -> [UInt8] {
    let digits = text.filter { !$0.isWhitespace }
    precondition(digits.count % 2 == 0, "odd hex digit count")
    var out: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        out.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return out
}

/// A 16-bit length field, big-endian.
func be16(_ value: Int) -> [UInt8] {
    [UInt8(value >> 8), UInt8(value & 0xFF)]
}

func ascii(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

func zeros(_ count: Int) -> [UInt8] {
    Array(repeating: 0, count: count)
}

/// Runs a throwing parse over `bytes` and returns its typed result.
func parse<T>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(WireError) -> T) -> Result<T, WireError> {
    bytes.withUnsafeBytes { raw in parse(raw, body) }
}

/// Runs a throwing parse over `raw` and returns its typed result.
func parse<T>(_ raw: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws(WireError) -> T) -> Result<
    T, WireError
> {
    do throws(WireError) {
        return .success(try body(raw))
    } catch {
        return .failure(error)
    }
}

/// The error a parse threw, or nil if it succeeded.
func parseError<T>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(WireError) -> T) -> WireError? {
    if case .failure(let error) = parse(bytes, body) { return error }
    return nil
}

/// Runs an encoder over a fresh buffer and returns the bytes written.
func encode(capacity: Int = 4096, _ body: (inout ByteWriter) throws(WireError) -> Void) throws -> [UInt8] {
    var storage = [UInt8](repeating: 0xEE, count: capacity)
    return try storage.withUnsafeMutableBytes { raw in
        var writer = ByteWriter(raw)
        try body(&writer)
        return Array(writer.written)
    }
}

/// The suites' seeded generator, under the name these tests use.
typealias SeededGenerator = SplitMix
