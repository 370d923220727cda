import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// How this module makes a C call that swift-system does not wrap, and how it turns a
/// swift-system call's untyped `Errno` into a `SystemCallError`: in one place, so every wrapper
/// retries `EINTR` and names its operation the same way.
package enum SystemCall {
    /// The calling thread's `errno`.
    static var currentErrno: Int32 { Glibc.errno }

    /// Runs `call` (a C call returning -1 and setting `errno` on failure) until it does not fail
    /// with `EINTR`; returns its result or throws the failure named `operation` on `path`.
    @inline(__always)
    package static func retrying<Result: BinaryInteger>(
        _ operation: @autoclosure () -> String, path: @autoclosure () -> String? = nil, _ call: () -> Result
    ) throws(SystemCallError) -> Result {
        while true {
            let result = call()
            if result != -1 { return result }
            let code = currentErrno
            if code == EINTR { continue }
            throw SystemCallError(operation(), path: path(), code: Errno(rawValue: code))
        }
    }

    /// Runs a swift-system call (which retries `EINTR` itself and throws `Errno`) and names its
    /// failure `operation` on `path`.
    @inline(__always)
    package static func naming<Result: ~Copyable>(
        _ operation: @autoclosure () -> String, path: @autoclosure () -> String? = nil, _ call: () throws -> Result
    ) throws(SystemCallError) -> Result {
        do {
            return try call()
        } catch let code as Errno {
            throw SystemCallError(operation(), path: path(), code: code)
        } catch {
            // swift-system throws nothing but Errno; should that change, keep the operation.
            throw SystemCallError(operation(), path: path(), code: .ioError)
        }
    }
}
