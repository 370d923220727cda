/// Where the lease table keeps the bytes of long client keys that do not fit in a
/// slot: a client key longer than 16 bytes keeps its first 12 in its slot and
/// the rest here, rounded up to 8 bytes (a 19-byte RFC 4361 identifier on a
/// DUID-LLT takes 8 bytes here, a 23-byte one on a DUID-UUID 16).
///
/// One flat array of words; a stored tail takes consecutive words from a start
/// word (the handle the slot keeps). Freed runs are kept per length and reused
/// by tails of the same length, so churn does not grow the array.
struct KeyOverflow {
    private var words: [UInt64] = []
    /// Per run length in words (index length - 1): start words of freed runs.
    private var freeRuns: [[UInt32]] = []

    /// Stores `bytes` (at least one); returns the handle.
    mutating func store(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        let length = Self.words(bytes.count)
        let start: Int
        if length <= freeRuns.count, let reused = freeRuns[length - 1].popLast() {
            start = Int(reused)
        } else {
            start = words.count
            words.append(contentsOf: repeatElement(0, count: length))
        }
        words.withUnsafeMutableBytes { raw in
            let run = UnsafeMutableRawBufferPointer(rebasing: raw[(start * 8)..<((start + length) * 8)])
            run.initializeMemory(as: UInt8.self, repeating: 0)
            run.copyMemory(from: bytes)
        }
        return UInt32(start)
    }

    /// Calls `body` with the `count` bytes stored at `handle`.
    func withBytes<Result>(_ handle: UInt32, count: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        words.withUnsafeBytes { raw in
            body(UnsafeRawBufferPointer(rebasing: raw[(Int(handle) * 8)..<(Int(handle) * 8 + count)]))
        }
    }

    /// Frees the `count` bytes stored at `handle` for reuse.
    mutating func release(_ handle: UInt32, count: Int) {
        let length = Self.words(count)
        while freeRuns.count < length { freeRuns.append([]) }
        freeRuns[length - 1].append(handle)
    }

    private static func words(_ count: Int) -> Int {
        (count + 7) / 8
    }
}
