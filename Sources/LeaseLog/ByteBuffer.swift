/// A growable byte buffer that is reused across batches, so appending a record
/// allocates nothing once the buffer has reached its working size.
///
/// A class owning raw memory rather than `[UInt8]`: encoding writes fields in place
/// without copy-on-write checks. Not thread-safe; owned by one writer.
final class ByteBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    /// Bytes in use, from `base`.
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit {
        base.deallocate()
    }

    /// Makes room for `extra` more bytes and returns where they start; `commitGrowth` then counts them.
    @inline(__always)
    func reserve(_ extra: Int) -> UnsafeMutableRawPointer {
        if count + extra > capacity { grow(to: count + extra) }
        return base + count
    }

    /// Counts `extra` bytes written after a `reserve`.
    @inline(__always)
    func commitGrowth(_ extra: Int) {
        count += extra
    }

    /// Forgets the contents and keeps the memory.
    func removeAll() {
        count = 0
    }

    /// The bytes in use.
    var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: count)
    }

    private func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newBase.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}

extension Array where Element == UInt8 {
    /// Runs `body` over the first `count` bytes, keeping its typed error
    /// (`withUnsafeBytes` itself only rethrows `any Error`).
    func withPrefix<R>(_ count: Int, _ body: (UnsafeRawBufferPointer) throws(LeaseLogError) -> R)
        throws(LeaseLogError) -> R
    {
        let result: Result<R, LeaseLogError> = withUnsafeBytes { raw in
            do throws(LeaseLogError) {
                return .success(try body(UnsafeRawBufferPointer(rebasing: raw[0..<count])))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
