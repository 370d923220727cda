import PortLeaseFuzzSupport

/// libFuzzer harness `engine`: the lease engine driven statefully.
///
/// One input is a server's life (``StepInput``): a variant byte choosing the configuration
/// (``FuzzSetup``: subscriber key and limit, one or two shards, matched and fallback pools),
/// then datagrams, each after a clock step of 0 s to an hour. Every input gets fresh
/// engines, pools and classifier, so a run is reproducible. Each step expires and delivers
/// the datagram as a shard worker would (``EngineRun``) and is audited (``LeaseAudit``); at
/// the end, a restart must rebuild the same leases from the records and, once everything
/// has run out, no slot or subscriber count may be left over.
enum EngineHarness {
    nonisolated(unsafe) static let recordCheck = RecordCheck()

    static func run(_ bytes: UnsafeRawBufferPointer) {
        var input = StepInput(bytes)
        let run = EngineRun(FuzzSetup(variant: input.variant), recordCheck: recordCheck)
        while let step = input.next() {
            run.step(advance: step.advance, origin: step.origin, datagram: step.datagram)
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
