import LeaseEngine
import LeaseLog
import PortLeaseServer
import PortLeaseSystem
import PortLeaseWire

/// Force release for the control API (`DELETE /v1/leases?client=`): an operator ends a lease
/// now (abuse handling, a replaced CPE).
///
/// The change runs on the shard worker that owns the client (through its ``ControlQueue``,
/// between batches); its `forcedRelease` record is written with that batch and the answer
/// waits until the record is durable, like an ACK. So when the API says the lease is gone,
/// a restart cannot bring it back, `portlease trace` shows who ended it and when, and the
/// port set is already back in the pool.
enum LeaseRelease {
    /// The outcome the worker hands back.
    private enum Outcome: Sendable {
        case released(LeaseDocument)
        case noLease
        case notApplied
    }

    /// Ends `key`'s bound lease; the lease as it was. Throws 404 when the client holds none,
    /// 503 when the shard is busy or stopping, or the record could not be made durable.
    static func forceRelease(_ key: ClientKey, in server: Server) async throws(APIError) -> LeaseDocument {
        guard key.count <= 255 else { throw noLease(key) }
        let workers = server.workers
        let worker = workers[ShardChoice.shard(of: key, shardCount: workers.count)]
        let outcome: Outcome? = await withCheckedContinuation { continuation in
            let change = ControlQueue.Change(
                apply: { engine, records in
                    guard let state = engine.lease(of: key), state.kind == .bound,
                        let binding = engine.forceRelease(
                            key, now: SystemClock.wallClockMilliseconds(), records: &records)
                    else {
                        continuation.resume(returning: .noLease)
                        return nil
                    }
                    let document = LeaseDocument(
                        key: key, lease: state, pool: engine.configuration.pools[Int(binding.pool)])
                    return { durable in continuation.resume(returning: durable ? .released(document) : .notApplied) }
                },
                refuse: { continuation.resume(returning: .notApplied) })
            if !worker.submitChange(change) { continuation.resume(returning: nil) }
        }
        switch outcome {
        case .released(let document): return document
        case .noLease: throw noLease(key)
        case .notApplied, nil:
            throw APIError(
                .serviceUnavailable,
                reason: "shard \(worker.shard) is busy, stopping, or could not log the release; try again")
        }
    }

    private static func noLease(_ key: ClientKey) -> APIError {
        APIError(.notFound, field: "client", reason: "\(key) holds no bound lease")
    }
}
