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

    /// Accepts a connection on the metrics listener (2 s receive timeout); nil when it failed
    /// (the peer went away before it was accepted, or descriptors ran out: try again later).
    static func accept(_ listener: Int32) -> Int32? {
        try? SocketCalls.accept(listener, timeoutSeconds: 2)
    }

    /// Receives what the peer sent into `buffer`; nil on timeout, error or end of stream.
    static func receive(_ connection: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard let count = try? SocketCalls.receive(connection, into: buffer), count > 0 else { return nil }
        return count
    }

    /// Sends all of `bytes`; false when the peer went away.
    static func sendAll(_ connection: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        (try? SocketCalls.sendAll(connection, bytes)) != nil
    }

    /// The name of network interface `index`, nil when there is none.
    static func interfaceName(_ index: UInt32) -> String? {
        NetworkInterface.name(index: index)
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
            throw .systemCall(error)
        }
        guard let listener else {
            throw .configuration("metrics listen address \(host) is not an IPv4 or IPv6 literal")
        }
        return (listener.descriptor, listener.port)
    }
}
