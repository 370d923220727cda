import Glibc
import PortLeaseWire

/// Bytes on their way to standard output, gathered in one reused buffer and written in
/// large chunks.
///
/// `portlease leases` prints millions of lines; `print` per line costs a String, a lock
/// and a `write` each. Here a line is appended byte by byte (numbers, addresses and hex
/// are formatted in place) and the buffer goes out with one `write` per megabyte.
/// Built without a descriptor, it only grows: the String forms the other tools print.
///
/// Appending never fails: a failed `write` is remembered, later output is dropped, and
/// ``finish()`` reports it (a closed pipe ends the process through SIGPIPE first, as `print` does).
struct OutputBuffer: ~Copyable {
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes waiting to be written.
    private(set) var count = 0
    private let descriptor: Int32?
    /// The errno of the first failed `write`, if any.
    private(set) var writeError: Int32?

    /// A buffer that writes to `descriptor` whenever `capacity` bytes are waiting.
    init(descriptor: Int32, capacity: Int = 1 << 20) {
        self.descriptor = descriptor
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    /// A buffer that keeps everything in memory (read it with ``string``).
    init(capacity: Int = 128) {
        descriptor = nil
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    /// What was appended, as text (for an in-memory buffer).
    var string: String {
        String(decoding: UnsafeBufferPointer(start: storage, count: count), as: UTF8.self)
    }

    /// Makes room for `extra` more bytes: writes out what is waiting, or grows.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if count + extra > capacity { makeRoom(extra) }
    }

    private mutating func makeRoom(_ extra: Int) {
        if descriptor != nil { flush() }
        guard count + extra > capacity else { return }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: max(capacity * 2, count + extra))
        grown.update(from: storage, count: count)
        storage.deallocate()
        storage = grown
        capacity = max(capacity * 2, count + extra)
    }

    /// Writes out everything waiting (retrying after partial writes and EINTR).
    mutating func flush() {
        guard let descriptor else { return }
        var done = 0
        while done < count && writeError == nil {
            let written = Glibc.write(descriptor, storage + done, count - done)
            if written >= 0 {
                done += written
            } else if errno != EINTR {
                writeError = errno
            }
        }
        count = 0
    }

    /// Flushes, then throws if any write failed.
    mutating func finish() throws(OutputError) {
        flush()
        if let writeError { throw OutputError(errno: writeError) }
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count)
        if let base = bytes.baseAddress {
            (storage + count).update(from: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        }
        count += bytes.count
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// A non-negative number in decimal, zero-padded to at least `width` digits.
    mutating func appendDecimal(_ value: UInt64, width: Int = 1) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for 20 digits
        withUnsafeMutableBytes(of: &digits) { scratch in
            var rest = value
            var start = scratch.count
            repeat {
                start -= 1
                scratch[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0 || scratch.count - start < width
            append(UnsafeRawBufferPointer(rebasing: scratch[start...]))
        }
    }

    /// A signed number in decimal.
    mutating func appendDecimal(_ value: Int64, width: Int = 1) {
        if value < 0 { append(UInt8(ascii: "-")) }
        appendDecimal(value.magnitude, width: width)
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    /// `value` in lowercase hex without leading zeros (an IPv6 group).
    mutating func appendHex(_ value: UInt16) {
        var shift = 12
        while shift > 0 && value >> UInt16(shift) == 0 { shift -= 4 }
        while shift >= 0 {
            append(Self.hexDigits.utf8Start[Int(value >> UInt16(shift) & 0xF)])
            shift -= 4
        }
    }

    /// Two lowercase hex digits per byte, `separator` between them: the same text as
    /// `HexBytes.text`, which builds a String per byte (too slow for millions of keys).
    mutating func appendHex(_ bytes: UnsafeRawBufferPointer, separator: UInt8? = UInt8(ascii: ":")) {
        reserve(bytes.count * 3)
        for (index, byte) in bytes.enumerated() {
            if index > 0, let separator { append(separator) }
            append(Self.hexDigits.utf8Start[Int(byte >> 4)])
            append(Self.hexDigits.utf8Start[Int(byte & 0xF)])
        }
    }

    /// Dotted-quad text, as `IPv4Address.description`.
    mutating func append(_ address: IPv4Address) {
        for shift in stride(from: 24, through: 0, by: -8) {
            if shift < 24 { append(UInt8(ascii: ".")) }
            appendDecimal(UInt64(address.value >> UInt32(shift) & 0xFF))
        }
    }

    /// RFC 5952 text, as `IPv6Address.description` (which builds an array and a String per address).
    mutating func append(_ address: IPv6Address) {
        @inline(__always) func group(_ index: Int) -> UInt16 {
            UInt16(truncatingIfNeeded: (index < 4 ? address.high : address.low) >> UInt64((3 - index % 4) * 16))
        }
        // The longest run of two or more zero groups (the first on a tie) becomes "::".
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            var end = index
            while end < 8 && group(end) == 0 { end += 1 }
            if end - index > bestLength {
                bestStart = index
                bestLength = end - index
            }
            index = max(end, index + 1)
        }
        index = 0
        while index < 8 {
            if index == bestStart {
                append("::")
                index += bestLength
                continue
            }
            if index > 0 && index != bestStart + bestLength { append(UInt8(ascii: ":")) }
            appendHex(group(index))
            index += 1
        }
    }
}

/// Standard output could not be written (a full disk behind a redirection, say).
struct OutputError: Error, CustomStringConvertible {
    var errno: Int32
    var description: String { "writing the output failed: \(String(cString: strerror(errno)))" }
}
