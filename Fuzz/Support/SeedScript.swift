import PortLeaseWire

/// Builds an engine-harness input by playing it: each datagram goes through a real
/// ``EngineRun`` (audited like a fuzz input), the clients learn from the replies, and
/// the steps are recorded in ``StepInput``'s format. Also the datagram harness's warm-up.
public final class SeedScript {
    public let run: EngineRun
    public var clients: [Int: SeedClient] = [:]
    /// The input so far: the variant byte, then the steps.
    public private(set) var input: [UInt8]

    public init(_ run: EngineRun) {
        self.run = run
        input = [run.setup.variant]
    }

    /// Adds `client` (replacing one with the same index).
    public func add(_ client: SeedClient) {
        clients[client.index] = client
    }

    /// Sends what `build` makes of client `index` after `advance` milliseconds; the client
    /// learns from the reply.
    @discardableResult
    public func send(
        _ index: Int, advance: Int64 = 0, origin: UInt8 = 0, _ build: (inout SeedClient) -> [UInt8]
    ) -> ParsedReply? {
        guard var client = clients[index] else { preconditionFailure("no client \(index)") }
        let datagram = build(&client)
        let reply = send(datagram, advance: advance, origin: origin)
        client.learn(reply)
        clients[index] = client
        return reply
    }

    /// Sends `datagram` as one step and returns the reply, parsed.
    @discardableResult
    public func send(_ datagram: [UInt8], advance: Int64 = 0, origin: UInt8 = 0) -> ParsedReply? {
        input += StepInput.encode(advance: advance, origin: origin, datagram: datagram)
        let delivery = datagram.withUnsafeBytes { run.step(advance: advance, origin: origin, datagram: $0) }
        return delivery.reply.flatMap { try? ParsedReply(parsing: $0) }
    }

    /// DISCOVER, then SELECTING REQUEST for what was offered.
    public func dora(_ index: Int, advance: Int64 = 0) {
        send(index, advance: advance) { $0.discover() }
        guard clients[index]?.address != nil else { return }
        send(index) { $0.select(server: FuzzSetup.serverIdentifier) }
    }
}
