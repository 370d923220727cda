import Hummingbird
import LeaseEngine
import PortLeaseServer
import PortLeaseWire

/// Lease lookups for the control API. A client's lease lives in one shard's engine (the shard
/// its key hashes to, as the classifier routes its queries), which only that shard's worker
/// thread may read: the question goes through the worker's ``ControlQueue`` and is answered
/// between two batches. The engine hands back plain values; the document is built here, on
/// the API's own threads, so the worker does no formatting and allocates nothing for it.
enum LeaseLookup {
    /// A client key as the tools print it: `id:HEX` (option 61) or `hw:HEX` (htype and chaddr).
    static func clientKey(_ text: String) throws(APIError) -> ClientKey {
        let lowered = text.lowercased()
        guard lowered.hasPrefix("id:") || lowered.hasPrefix("hw:") else {
            throw APIError(.badRequest, field: "client", reason: "\"\(text)\" must be id:HEX (option 61) or hw:HEX")
        }
        // Two hex digits a byte, plain or joined by colons (as printed).
        guard let key = ClientKey(text: text) else {
            throw APIError(
                .badRequest, field: "client", reason: "\"\(text)\": the key must be bytes in hex (aa:bb:.. or aabb..)")
        }
        return key
    }

    /// The `client=` parameter an operation needs, as a key; 400 naming it when absent or malformed.
    static func requiredClient(_ text: String?) throws(APIError) -> ClientKey {
        guard let text else {
            throw APIError(.badRequest, field: "client", reason: "give client=id:HEX (option 61) or client=hw:HEX")
        }
        return try clientKey(text)
    }

    /// The current lease or offer of `key`, if any.
    static func byClient(_ key: ClientKey, in server: Server, detail: Bool) async throws(APIError) -> [LeaseDocument] {
        // No client has a longer key: option 61's length is one byte.
        guard key.count <= 255 else { return [] }
        let workers = server.workers
        let worker = workers[ShardChoice.shard(of: key, shardCount: workers.count)]
        let found = try await ask(worker) { engine in
            engine.lease(of: key).map { lease in (lease, engine.configuration.pools[Int(lease.binding.pool)]) }
        }
        guard let (lease, pool) = found else { return [] }
        var document = LeaseDocument(key: key, lease: lease, pool: pool)
        // Subscriber, relay and start: from the lease log, read here, off the worker.
        if detail, let holding = LeaseSearch.holding(of: key, lease, server: server) { document.add(holding) }
        return [document]
    }

    /// Runs `question` on `worker`'s thread with its engine and returns the answer; 503 when
    /// the worker's control queue is full or the worker has stopped.
    static func ask<Answer: Sendable>(
        _ worker: ShardWorker, _ question: @escaping @Sendable (LeaseEngine) -> Answer
    ) async throws(APIError) -> Answer {
        let answer: Answer? = await withCheckedContinuation { continuation in
            let queued = worker.submit { engine in continuation.resume(returning: question(engine)) }
            if !queued { continuation.resume(returning: nil) }
        }
        guard let answer else {
            throw APIError(.serviceUnavailable, reason: "shard \(worker.shard) is busy or stopping; try again")
        }
        return answer
    }
}
