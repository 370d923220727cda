/// How the engine harness reads one fuzz input (``Chunks``): the variant byte picks the
/// configuration (``FuzzSetup``); each chunk is one step.
///
/// The control byte's low three bits pick how far the clock moves before the step
/// (``advances``), the next three the datagram's origin (``FuzzSetup/origin(_:)``).
/// Bit 6 set: the step is a ``ClientCommand`` (its eight bytes follow); clear: a raw
/// datagram (length-prefixed).
public struct StepInput {
    /// Clock steps in milliseconds: none, 1 s, 5 s, just before and after the offer hold
    /// (30 s), the decline quarantine (60 s) and the lease time (120 s) end, and an hour.
    public static let advances: [Int64] = [0, 1000, 5000, 29_000, 31_000, 61_000, 121_000, 3_600_000]
    static let commandBit: UInt8 = 0x40

    /// One step: a datagram or a command.
    public struct Step {
        public var advance: Int64
        public var origin: UInt8
        public var datagram: UnsafeRawBufferPointer?
        public var command: ClientCommand?
    }

    private var chunks: Chunks
    public var variant: UInt8 { chunks.variant }

    public init(_ bytes: UnsafeRawBufferPointer) {
        chunks = Chunks(bytes)
    }

    /// The next step, or nil at the end.
    public mutating func next() -> Step? {
        guard let chunk = chunks.next(fixedLength: { $0 & Self.commandBit != 0 ? ClientCommand.size : nil }) else {
            return nil
        }
        let isCommand = chunk.control & Self.commandBit != 0
        return Step(
            advance: Self.advances[Int(chunk.control & 7)], origin: chunk.control >> 3 & 7,
            datagram: isCommand ? nil : chunk.bytes, command: isCommand ? ClientCommand(chunk.bytes) : nil)
    }

    /// The control byte of a step: `advance` must be one of ``advances``.
    static func control(advance: Int64, origin: UInt8) -> UInt8 {
        guard let index = advances.firstIndex(of: advance) else {
            preconditionFailure("no such clock step: \(advance)")
        }
        return UInt8(index) | (origin & 7) << 3
    }

    /// The bytes of a datagram step, for seeds.
    public static func encode(advance: Int64, origin: UInt8, datagram: [UInt8]) -> [UInt8] {
        Chunks.encode(control: control(advance: advance, origin: origin), datagram)
    }

    /// The bytes of a command step, for seeds.
    public static func encode(advance: Int64 = 0, origin: UInt8 = 0, command: [UInt8]) -> [UInt8] {
        [control(advance: advance, origin: origin) | commandBit] + command
    }
}
