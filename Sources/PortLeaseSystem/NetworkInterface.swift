import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Network interface names and indexes (`if_nametoindex`, `if_indextoname`): multicast joins
/// name an interface, received datagrams carry an index.
public enum NetworkInterface {
    /// The index of the interface called `name`. An interface that does not exist throws
    /// `ENODEV` (the C call leaves `errno` unset in some cases; it is filled in here).
    public static func index(named name: String) throws(SystemCallError) -> UInt32 {
        let index = if_nametoindex(name)
        guard index == 0 else { return index }
        let code = SystemCall.currentErrno
        throw SystemCallError(
            "if_nametoindex \(name)", code: Errno(rawValue: code == 0 || code == ENXIO ? ENODEV : code))
    }

    /// The name of interface `index`, or nil when there is none (it went away, or index 0).
    public static func name(index: UInt32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard if_indextoname(index, &buffer) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
