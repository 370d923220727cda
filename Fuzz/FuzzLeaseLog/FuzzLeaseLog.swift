import Glibc
import LeaseLog
import PortLeaseFuzzSupport
import PortLeaseWire

/// libFuzzer harness `leaselog`: recovery of a lease-log directory whose files are the input.
///
/// The variant byte's bits: 1 fixes the checksums a mutation breaks (``LogFiles``), 2 also
/// opens the log for appending after the read-only recovery, 4 also recovers through a
/// `RecordFilter`. The files are written into one scratch directory per process (emptied
/// for each input), then:
///
/// - `LeaseLog.recover` must return a report or a typed error; every record it replays
///   must be one the log's writer accepts (decoder and encoder agree on the ranges).
/// - With a filter, recovery replays exactly the accepted records of the unfiltered run.
/// - Opening (`LeaseLog(directory:)`) fails exactly when recovery does, changes no file
///   when it fails, and otherwise replays the same records; after it truncated a torn
///   tail, a record appended and committed is recovered after them with no damage left.
enum LeaseLogHarness {
    nonisolated(unsafe) static let directory = ScratchDirectory.make("leaselog")
    nonisolated(unsafe) static let recordCheck = RecordCheck()
    /// `PORTLEASE_FUZZ_TRACE` set: print the files and what recovery made of them.
    nonisolated(unsafe) static let tracing = getenv("PORTLEASE_FUZZ_TRACE") != nil

    /// What a recovery gave: the report and the replayed records, or the error.
    typealias Recovery = Result<(report: RecoveryReport, records: [ReplayedRecord]), LeaseLogError>

    static func run(_ input: UnsafeRawBufferPointer) {
        var chunks = Chunks(input)
        let flags = chunks.variant
        let files = LogFiles.files(&chunks, fixChecksums: flags & 1 != 0)
        ScratchDirectory.empty(directory)
        write(files)
        let recovery = recover(filter: nil)
        if tracing {
            print("files \(files.map { "\($0.name) (\($0.bytes.count) bytes)" }): \(recovery.map { $0.report })")
        }
        if case .success(let result) = recovery {
            for item in result.records { recordCheck.check(item.record) }
        }
        if flags & 4 != 0 { checkFilter(recovery) }
        if flags & 2 != 0 { checkOpen(recovery) }
    }

    static func write(_ files: [LogFiles.File]) {
        for file in files {
            let descriptor = open(directory + "/" + file.name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard descriptor >= 0 else { fatalError("cannot create \(file.name) in \(directory)") }
            let written = file.bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
            guard written == file.bytes.count else { fatalError("cannot write \(file.name) in \(directory)") }
        }
    }

    static func recover(filter: RecordFilter?) -> Recovery {
        var records: [ReplayedRecord] = []
        do throws(LeaseLogError) {
            let report = try LeaseLog.recover(directory: directory, filter: filter) { records.append($0) }
            return .success((report, records))
        } catch {
            _ = error.description
            return .failure(error)
        }
    }

    /// Reads every field a filter can see, and keeps even addresses.
    nonisolated(unsafe) static let filter = RecordFilter { view in
        _ = (view.time, view.subscriber, view.psid, view.clientKeyKind, view.clientKeyBytes.count)
        return view.address.value & 1 == 0
    }

    static func checkFilter(_ recovery: Recovery) {
        guard case .success(let all) = recovery else { return }
        guard case .success(let filtered) = recover(filter: filter) else {
            fatalError("recovery fails with a filter where it succeeds without")
        }
        let expected = all.records.filter { $0.record.address.value & 1 == 0 }
        guard filtered.records.map(\.record) == expected.map(\.record),
            filtered.records.map(\.sequence) == expected.map(\.sequence)
        else {
            fatalError(
                "a filtered recovery replays \(filtered.records.count) records, not the \(expected.count) it accepts")
        }
    }
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>
) -> CInt {
    SeedWriter.handle(argc, argv) { LeaseLogSeeds.seeds() }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    LeaseLogHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
