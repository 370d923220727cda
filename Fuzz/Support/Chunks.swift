/// The framing of the engine and lease-log harnesses' inputs: a variant byte, then
/// chunks, each a control byte, a big-endian 16-bit length and that many bytes (a
/// length past the end takes what is left), or, for control bytes the harness says
/// are fixed-length, just that many bytes. What the bytes mean is the harness's.
public struct Chunks {
    /// One chunk: its control byte and bytes (a view into the input).
    public struct Chunk {
        public var control: UInt8
        public var bytes: UnsafeRawBufferPointer
    }

    public let variant: UInt8
    private var rest: UnsafeRawBufferPointer

    public init(_ input: UnsafeRawBufferPointer) {
        variant = input.first ?? 0
        rest = input.isEmpty ? input : UnsafeRawBufferPointer(rebasing: input.dropFirst())
    }

    /// The next chunk, or nil at the end. A chunk whose control byte `fixedLength` maps to a
    /// length has that many bytes and no length field (the last one may be short).
    public mutating func next(fixedLength: (UInt8) -> Int? = { _ in nil }) -> Chunk? {
        guard let control = rest.first else { return nil }
        let start: Int
        let length: Int
        if let fixed = fixedLength(control) {
            start = 1
            length = min(fixed, rest.count - 1)
        } else {
            guard rest.count >= 3 else { return nil }
            start = 3
            length = min(Int(rest[1]) << 8 | Int(rest[2]), rest.count - 3)
        }
        let bytes = UnsafeRawBufferPointer(rebasing: rest[start..<(start + length)])
        rest = UnsafeRawBufferPointer(rebasing: rest[(start + length)...])
        return Chunk(control: control, bytes: bytes)
    }

    /// The bytes of one chunk, for seeds.
    public static func encode(control: UInt8, _ bytes: [UInt8]) -> [UInt8] {
        precondition(bytes.count <= 0xFFFF, "a chunk holds at most 65,535 bytes")
        return [control, UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
    }
}
