import Foundation
import LeaseEngine
import LeaseLog
import Logging
import PortLeaseTransport
import PortLeaseWire
import Testing

@testable import PortLeaseServer

/// The pipelined group commit: a real log directory and a real io_uring `fdatasync`.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
struct PipelinedCommitTests {
    /// A sink that checks, at every ACK it is given, that the log has made at least as many
    /// bind records durable as ACKs have been given (each DORA writes one bind record).
    final class CheckingSink: ReplySink {
        var log: LeaseLog?
        var acks: [UInt32] = []
        var early = 0

        func enqueue(_ bytes: UnsafeRawBufferPointer, to origin: DatagramOrigin) -> Bool {
            guard let reply = try? decodeReply(Array(bytes)).message, reply.messageType == .ack else { return true }
            acks.append(reply.header.xid)
            if let log, UInt64(acks.count) > log.lastCommitted { early += 1 }
            return true
        }

        func flush() {}
    }

    /// A worker with batches of 8 over a fresh log in `directory`, syncing through a ring,
    /// its ACKs checked by a ``CheckingSink``.
    func makeWorker(_ directory: String, queueCapacity: Int) throws -> (
        LeaseEngine, LeaseLog, CheckingSink, ServerCounters, ShardWorker
    ) {
        let engine = try LeaseEngine.makeShards(ServerFixtures.engineConfiguration(), count: 1)[0]
        let log = try LeaseLog(directory: directory)
        let sink = CheckingSink()
        sink.log = log
        let counters = ServerCounters()
        let worker = ShardWorker(
            shard: 0, engine: engine, log: log, queue: ShardQueue(capacity: queueCapacity), sink: sink,
            counters: counters, logger: Logger(label: "test"), batchLimit: 8, syncs: try SyncRing())
        return (engine, log, sink, counters, worker)
    }

    @Test func acksLeaveInOrderAndOnlyOnceTheirRecordsAreDurable() throws {
        try withTemporaryDirectory { directory in
            let (engine, log, sink, counters, worker) = try makeWorker(directory, queueCapacity: 256)
            var now: Int64 = 1_800_000_000_000
            let clients = (0..<60).map { WireClient(number: $0) }
            // Every DISCOVER, in batches of 8, then every REQUEST: the REQUESTs' batches are
            // decided and written while earlier ones sync.
            for client in clients {
                _ = client.datagram(client.dhcpv4(.discover)).withUnsafeBytes {
                    worker.queue.enqueue($0, origin: client.origin)
                }
            }
            while worker.processBatch(now: now) > 0 { now += 1 }
            worker.finishSyncs()
            for client in clients {
                let offer = try #require(
                    engine.lease(of: ClientKey(kind: .clientIdentifier, bytes: client.clientIdentifier)))
                let params = try PortParams(
                    offset: 6, psidLength: offer.binding.psidLength, psid: offer.binding.psid)
                let request = client.dhcpv4(
                    .request, requested: offer.binding.address, serverIdentifier: ServerFixtures.serverID,
                    portParams: [6, params.psidLength, UInt8(params.wirePSID >> 8), UInt8(params.wirePSID & 0xFF)])
                _ = client.datagram(request).withUnsafeBytes { worker.queue.enqueue($0, origin: client.origin) }
            }
            while worker.processBatch(now: now) > 0 { now += 1 }
            worker.finishSyncs()
            #expect(sink.early == 0, "an ACK left before its record was durable")
            #expect(sink.acks == clients.map { client in client.dhcpv4(.request).header.xid }, "in the order decided")
            #expect(log.lastCommitted == 60)
            #expect(worker.fault == nil)
            #expect(counters.drops(.replyFailed) == 0, "the arena always had room for a batch")
            var replayed = 0
            _ = try LeaseLog.recover(directory: directory) { _ in replayed += 1 }
            #expect(replayed == 60)
        }
    }

    /// Under a flood of DISCOVERs (which write no record) the queue never empties and a few
    /// ACKs never fill a group: they still leave once their record has waited `longestHold`.
    @Test func anAckIsNotHeldBehindAFloodThatWritesNothing() throws {
        try withTemporaryDirectory { directory in
            let (engine, _, sink, _, worker) = try makeWorker(directory, queueCapacity: 4096)
            let now: Int64 = 1_800_000_000_000
            let bound = WireClient(number: 1)
            bound.admit(bound.dhcpv4(.discover), to: worker.queue)
            worker.processBatch(now: now)
            let offer = try #require(
                engine.lease(of: ClientKey(kind: .clientIdentifier, bytes: bound.clientIdentifier)))
            let params = try PortParams(offset: 6, psidLength: offer.binding.psidLength, psid: offer.binding.psid)
            bound.admit(
                bound.dhcpv4(
                    .request, requested: offer.binding.address, serverIdentifier: ServerFixtures.serverID,
                    portParams: [6, params.psidLength, UInt8(params.wirePSID >> 8), UInt8(params.wirePSID & 0xFF)]),
                to: worker.queue)
            // Newcomers keep the queue from ever emptying, batch after batch.
            var number = 100
            func flood() {
                for _ in 0..<16 {
                    let client = WireClient(number: number)
                    client.admit(client.dhcpv4(.discover), to: worker.queue)
                    number = number < 60_000 ? number + 1 : 100
                }
            }
            flood()
            worker.processBatch(now: now)
            #expect(sink.acks.isEmpty, "held: its record is not durable yet")
            let deadline = Date().addingTimeInterval(10)
            var acked = false
            while !acked && Date() < deadline {
                flood()
                worker.processBatch(now: now)
                acked = !sink.acks.isEmpty
            }
            #expect(acked, "the ACK left while DISCOVERs kept coming")
            #expect(worker.queue.depth > 0)
            #expect(sink.early == 0)
        }
    }
}
