import PortLeaseFuzzSupport

/// libFuzzer harness `engine`: the lease engine driven statefully.
///
/// One input is a server's life (``StepInput``): a variant byte choosing the configuration
/// (``FuzzSetup``: subscriber key and limit, one or two shards, matched and fallback pools),
/// then steps, each after a clock step of 0 s to an hour: a raw datagram, or a
/// ``ClientCommand`` that one of sixteen clients turns into a well-formed query from what
/// it learnt of the replies so far. Every input gets fresh engines, pools and classifier,
/// so a run is reproducible. Each step expires and delivers the datagram as a shard worker
/// would (``EngineRun``) and is audited (``LeaseAudit``); at the end, a restart must rebuild
/// the same leases from the records and, once everything has run out, no slot or
/// subscriber count may be left over.
enum EngineHarness {
    nonisolated(unsafe) static let recordCheck = RecordCheck()

    static func run(_ bytes: UnsafeRawBufferPointer) {
        var input = StepInput(bytes)
        let run = EngineRun(FuzzSetup(variant: input.variant), recordCheck: recordCheck)
        var clients = (0..<16).map { SeedClient($0) }
        while let step = input.next() {
            if let command = step.command {
                let datagram = command.datagram(from: &clients[command.client])
                let delivery = datagram.withUnsafeBytes {
                    run.step(advance: step.advance, origin: step.origin, datagram: $0)
                }
                clients[command.client].learn(delivery.reply.flatMap { try? ParsedReply(parsing: $0) })
            } else if let datagram = step.datagram {
                run.step(advance: step.advance, origin: step.origin, datagram: datagram)
            }
        }
        run.finish()
    }
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>
) -> CInt {
    SeedWriter.handle(argc, argv) { EngineSeeds.seeds(recordCheck: EngineHarness.recordCheck) }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    EngineHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
