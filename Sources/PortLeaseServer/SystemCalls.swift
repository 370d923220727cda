import Glibc

/// The few system calls the server core makes itself (the transport and the lease
/// log have their own), in one place.
enum SystemCalls {
    /// Milliseconds since the Unix epoch (CLOCK_REALTIME): lease times and records.
    static func nowMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// Monotonic nanoseconds, for latency measurement only.
    static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// A non-blocking pipe used as a wake-up signal: (read end, write end).
    static func makeWakePipe() -> (Int32, Int32) {
        var ends: [Int32] = [-1, -1]
        precondition(pipe(&ends) == 0, "pipe failed: errno \(errno)")
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        return (ends[0], ends[1])
    }

    /// Signals the pipe (a full pipe already signals, so EAGAIN is fine).
    static func signal(pipe writeEnd: Int32) {
        var one: UInt8 = 1
        _ = write(writeEnd, &one, 1)
    }

    /// Waits until the pipe is signalled or `timeoutMilliseconds` pass, then empties it.
    static func wait(pipe readEnd: Int32, timeoutMilliseconds: Int32) {
        var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, timeoutMilliseconds)
        var sink = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while withUnsafeMutableBytes(of: &sink, { read(readEnd, $0.baseAddress, $0.count) }) > 0 {}
    }

    static func close(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)
    }
}
