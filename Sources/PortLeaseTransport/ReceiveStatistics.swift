/// A snapshot of a `ReceiveLoop`'s counters, read for metrics.
public struct ReceiveStatistics: Hashable, Sendable {
    /// Datagrams delivered to the handler.
    public var received: Int
    /// Datagrams larger than the loop's `bufferSize`: dropped (`MSG_TRUNC`), not delivered.
    public var truncated: Int
    /// Times a multishot receive stopped because every provided buffer was in use (`ENOBUFS`);
    /// datagrams wait in the socket buffer meanwhile, or the kernel drops them when it is full.
    public var noBuffers: Int
    /// Multishot receives armed again after the kernel ended one (`IORING_CQE_F_MORE` clear).
    public var rearms: Int
    /// Other failed receive completions (counted, the socket stays armed).
    public var errors: Int

    public init(received: Int = 0, truncated: Int = 0, noBuffers: Int = 0, rearms: Int = 0, errors: Int = 0) {
        self.received = received
        self.truncated = truncated
        self.noBuffers = noBuffers
        self.rearms = rearms
        self.errors = errors
    }
}
