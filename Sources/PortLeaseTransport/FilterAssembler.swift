import PortLeaseSystem

/// Writes classic BPF programs with named labels. Conditional jumps in classic BPF reach at
/// most 255 instructions forward; ``assemble()`` traps when one does not (a bug in the
/// program's layout, caught by its tests), and ``always(_:)`` (`ja`) reaches any distance.
struct FilterAssembler {
    // Opcodes (linux/filter.h).
    static let loadByteAbsolute: UInt16 = 0x30  // A = P[k]
    static let loadByte: UInt16 = 0x50  // A = P[X + k]
    static let loadHalf: UInt16 = 0x48  // A = P[X + k : 2]
    static let loadWord: UInt16 = 0x40  // A = P[X + k : 4]
    static let loadLength: UInt16 = 0x80  // A = the packet's length
    static let loadXConstant: UInt16 = 0x01  // X = k
    static let addConstant: UInt16 = 0x04  // A += k
    static let addX: UInt16 = 0x0C  // A += X
    static let subtractX: UInt16 = 0x1C  // A -= X
    static let copyAToX: UInt16 = 0x07  // X = A
    static let copyXToA: UInt16 = 0x87  // A = X
    static let jumpIfEqual: UInt16 = 0x15  // A == k
    static let jumpIfGreater: UInt16 = 0x25  // A > k
    static let jumpIfGreaterThanX: UInt16 = 0x2D  // A > X
    static let jumpAlways: UInt16 = 0x05
    static let returnConstant: UInt16 = 0x06

    private struct Pending {
        var code: UInt16
        var constant: UInt32
        var ifTrue: String?
        var ifFalse: String?
        var always: String?
    }

    private var pending: [Pending] = []
    private var labels: [String: Int] = [:]

    /// Names the next instruction.
    mutating func label(_ name: String) {
        precondition(labels[name] == nil, "label \(name) defined twice")
        labels[name] = pending.count
    }

    /// A plain instruction.
    mutating func emit(_ code: UInt16, _ constant: UInt32 = 0) {
        pending.append(Pending(code: code, constant: constant))
    }

    /// A conditional jump: to `ifTrue` or `ifFalse` (nil: the next instruction).
    mutating func jump(_ code: UInt16, _ constant: UInt32 = 0, ifTrue: String? = nil, ifFalse: String? = nil) {
        pending.append(Pending(code: code, constant: constant, ifTrue: ifTrue, ifFalse: ifFalse))
    }

    /// An unconditional jump, any distance forward.
    mutating func always(_ target: String) {
        pending.append(Pending(code: Self.jumpAlways, constant: 0, always: target))
    }

    /// The program, with every label resolved.
    func assemble() -> [SocketFilterInstruction] {
        func offset(from index: Int, to label: String?) -> Int {
            guard let label else { return 0 }
            guard let target = labels[label] else { preconditionFailure("label \(label) is not defined") }
            precondition(target > index, "classic BPF jumps only forward (\(label))")
            return target - index - 1
        }
        return pending.enumerated().map { index, instruction in
            if let always = instruction.always {
                return SocketFilterInstruction(
                    code: instruction.code, constant: UInt32(offset(from: index, to: always)))
            }
            let ifTrue = offset(from: index, to: instruction.ifTrue)
            let ifFalse = offset(from: index, to: instruction.ifFalse)
            precondition(ifTrue <= 255 && ifFalse <= 255, "a conditional jump reaches past 255 instructions")
            return SocketFilterInstruction(
                code: instruction.code, jumpIfTrue: UInt8(ifTrue), jumpIfFalse: UInt8(ifFalse),
                constant: instruction.constant)
        }
    }
}
