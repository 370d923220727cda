import SystemPackage

/// A descriptor with one owner, closed when that owner is done with it.
///
/// `~Copyable`, so the compiler refuses a second owner: whoever holds the value closes the
/// descriptor, in `deinit`, exactly once. `release()` hands the bare `FileDescriptor` to a new
/// owner (a class whose own `deinit` or `close()` closes it) without closing it. Used for the
/// short-lived descriptors of whole-file reads and atomic writes, and by `WakeEvent`.
public struct OwnedDescriptor: ~Copyable, Sendable {
    /// The descriptor, valid while this value lives.
    public let descriptor: FileDescriptor

    /// Takes ownership of `descriptor`.
    public init(_ descriptor: FileDescriptor) {
        self.descriptor = descriptor
    }

    /// Gives up ownership without closing: the caller now owns the descriptor.
    public consuming func release() -> FileDescriptor {
        let descriptor = self.descriptor
        discard self
        return descriptor
    }

    deinit {
        descriptor.closeIgnoringErrors()
    }
}

extension FileDescriptor {
    /// Closes the descriptor, ignoring errors: Linux releases the descriptor even when `close`
    /// fails, so there is nothing to retry, and data that mattered was synced before.
    public func closeIgnoringErrors() {
        _ = try? close()
    }
}
