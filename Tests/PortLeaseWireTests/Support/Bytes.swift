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

/// A small deterministic generator (SplitMix64), so failures reproduce from the seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}
