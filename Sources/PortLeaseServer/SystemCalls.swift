import PortLeaseSystem

/// The server core's names for the system layer (`PortLeaseSystem`), kept so the files that
/// call them need no change: every call here forwards to that module, which owns the calls.
enum SystemCalls {
    /// Milliseconds since the Unix epoch (CLOCK_REALTIME): lease times and records.
    @inline(__always)
    static func nowMilliseconds() -> Int64 {
        SystemClock.wallClockMilliseconds()
    }

    /// Monotonic nanoseconds (the system layer's one monotonic clock), for latency measurement.
    @inline(__always)
    static func monotonicNanoseconds() -> UInt64 {
        SystemClock.monotonicNanoseconds()
    }

    /// Closes a descriptor this module owns (the metrics listener and its connections).
    static func close(_ descriptor: Int32) {
        SocketCalls.close(descriptor)
    }

    /// True when `descriptor` becomes readable within the timeout.
    static func waitReadable(_ descriptor: Int32, timeoutMilliseconds: Int32) -> Bool {
        SocketCalls.waitReadable(descriptor, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// A listening TCP socket on `host` (IPv4 or IPv6 literal) and `port`; returns the
    /// descriptor, owned by the caller, and the bound port.
    static func listenTCP(host: String, port: UInt16) throws(ServerError) -> (Int32, UInt16) {
        let listener: (descriptor: Int32, port: UInt16)?
        do {
            listener = try SocketCalls.listenTCP(host: host, port: port, purpose: "metrics")
        } catch {
            throw .systemCall(error.path.map { "\(error.operation) \($0)" } ?? error.operation, errno: error.errno)
        }
        guard let listener else {
            throw .configuration("metrics listen address \(host) is not an IPv4 or IPv6 literal")
        }
        return (listener.descriptor, listener.port)
    }
}
