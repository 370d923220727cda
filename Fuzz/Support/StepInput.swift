/// How the engine harness reads one fuzz input (``Chunks``): the variant byte picks the
/// configuration (``FuzzSetup``); each chunk is one step, its bytes a datagram.
///
/// The control byte's low three bits pick how far the clock moves before the step
/// (``advances``); the next three pick the datagram's origin (``FuzzSetup/origin(_:)``).
public struct StepInput {
    /// Clock steps in milliseconds: none, 1 s, 5 s, just before and after the offer hold
    /// (30 s), the decline quarantine (60 s) and the lease time (120 s) end, and an hour.
    public static let advances: [Int64] = [0, 1000, 5000, 29_000, 31_000, 61_000, 121_000, 3_600_000]

    /// One step.
    public struct Step {
        public var advance: Int64
        public var origin: UInt8
        public var datagram: UnsafeRawBufferPointer
    }

    private var chunks: Chunks
    public var variant: UInt8 { chunks.variant }

    public init(_ bytes: UnsafeRawBufferPointer) {
        chunks = Chunks(bytes)
    }

    /// The next step, or nil at the end.
    public mutating func next() -> Step? {
        guard let chunk = chunks.next() else { return nil }
        return Step(
            advance: Self.advances[Int(chunk.control & 7)], origin: chunk.control >> 3 & 7, datagram: chunk.bytes)
    }

    /// The bytes of one step, for seeds: `advance` must be one of ``advances``.
    public static func encode(advance: Int64, origin: UInt8, datagram: [UInt8]) -> [UInt8] {
        guard let index = advances.firstIndex(of: advance) else {
            preconditionFailure("no such clock step: \(advance)")
        }
        return Chunks.encode(control: UInt8(index) | (origin & 7) << 3, datagram)
    }
}
