#if canImport(Glibc)
    import Glibc
#endif

/// One classic BPF instruction, laid out as the kernel's `struct sock_filter`.
public struct SocketFilterInstruction: Equatable, Sendable {
    public var code: UInt16
    public var jumpIfTrue: UInt8
    public var jumpIfFalse: UInt8
    public var constant: UInt32

    public init(code: UInt16, jumpIfTrue: UInt8 = 0, jumpIfFalse: UInt8 = 0, constant: UInt32 = 0) {
        self.code = code
        self.jumpIfTrue = jumpIfTrue
        self.jumpIfFalse = jumpIfFalse
        self.constant = constant
    }
}

extension SocketCalls {
    /// `struct sock_fprog`: the instruction count, then (aligned) a pointer to them.
    private struct FilterProgram {
        var count: UInt16
        var instructions: UnsafePointer<SocketFilterInstruction>?
    }

    /// `SO_ATTACH_FILTER`: the kernel runs `instructions` on each datagram before it is queued
    /// on the socket, and drops those it returns 0 for. Replaces any filter attached before.
    package static func attachFilter(_ descriptor: Int32, _ instructions: [SocketFilterInstruction])
        throws(SystemCallError)
    {
        precondition(MemoryLayout<SocketFilterInstruction>.size == 8, "struct sock_filter is 8 bytes")
        precondition(!instructions.isEmpty && instructions.count <= 4096, "1 to 4096 instructions")
        try instructions.withUnsafeBufferPointer { (buffer) throws(SystemCallError) in
            let program = FilterProgram(count: UInt16(buffer.count), instructions: buffer.baseAddress)
            try setOption(
                descriptor, level: SOL_SOCKET, option: SO_ATTACH_FILTER, value: program,
                operation: "setsockopt SO_ATTACH_FILTER")
        }
    }

    /// `SO_DETACH_FILTER`; nothing when none is attached.
    package static func detachFilter(_ descriptor: Int32) throws(SystemCallError) {
        do throws(SystemCallError) {
            try setOption(
                descriptor, level: SOL_SOCKET, option: SO_DETACH_FILTER, value: Int32(0),
                operation: "setsockopt SO_DETACH_FILTER")
        } catch  where error.code == .noSuchFileOrDirectory {
            return
        }
    }
}
