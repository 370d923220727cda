import PortLeaseFuzzSupport
import PortLeaseServer

/// libFuzzer harness `datagram`: one input is one UDP payload arriving at the server.
///
/// It meets fresh engines (two shards sharing small pools, a Remote-ID subscriber limit,
/// a pool matched on the relay's link before fallback catch-all pools) after the same
/// warm-up every time (``DatagramSeeds/warmUp(_:)``, played and audited once, then
/// replayed before each input), goes through the classifier and, for a query, its shard's
/// queue and the worker's step (``ServerPath``), and is audited (``LeaseAudit``): the
/// reply, bindings, pool counts and log records, then a restart and the drain.
///
/// The classifier is kept for the whole process, as the server keeps it; its clock moves
/// an hour per input, so every input finds the DISCOVER rate buckets full again.
enum DatagramHarness {
    nonisolated(unsafe) static let recordCheck = RecordCheck()
    nonisolated(unsafe) static let classifier = FuzzSetup.datagram.makeClassifier()
    nonisolated(unsafe) static var inputs: Int64 = 0
    /// The warm-up as engine-harness steps (``StepInput``).
    nonisolated(unsafe) static let warmUp = warmedUp(monotonicBase: 0).input

    static func run(_ datagram: UnsafeRawBufferPointer) {
        // The receive loop's buffers are 2048 bytes; a longer datagram never reaches the classifier.
        guard datagram.count <= ServerPath.slotSize else { return }
        inputs += 1
        let run = EngineRun(
            .datagram, recordCheck: recordCheck, classifier: classifier, monotonicBase: inputs * 3_600_000)
        warmUp.withUnsafeBytes { bytes in
            var steps = StepInput(bytes)
            while let step = steps.next(), let datagram = step.datagram {
                run.step(advance: step.advance, origin: step.origin, datagram: datagram, audited: false)
            }
        }
        run.step(advance: 1000, origin: 0, datagram: datagram)
        run.finish()
    }

    /// A run of ``FuzzSetup/datagram`` after the warm-up, played by its clients.
    static func warmedUp(monotonicBase: Int64) -> SeedScript {
        let script = SeedScript(
            EngineRun(.datagram, recordCheck: recordCheck, classifier: classifier, monotonicBase: monotonicBase))
        DatagramSeeds.warmUp(script)
        return script
    }
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>
) -> CInt {
    SeedWriter.handle(argc, argv) { DatagramSeeds.seeds(DatagramHarness.warmedUp(monotonicBase: 0)) }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    DatagramHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
