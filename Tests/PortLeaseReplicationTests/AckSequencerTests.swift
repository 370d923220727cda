import Synchronization
import Testing

@testable import PortLeaseReplication

/// `AckSequencer`: acknowledgements in the order frames arrived, whatever order they become
/// durable in, and none after a failed one.
@Suite struct AckSequencerTests {
    /// The acknowledgements a sequencer made due, as (shard, through), taken at each ring as
    /// the event loop takes them.
    final class Written: @unchecked Sendable {
        let frames = Mutex<[(Int, UInt64)]>([])
        var list: [(Int, UInt64)] { frames.withLock { $0 } }
        private var made: AckSequencer?
        func sequencer(shard: Int) -> AckSequencer {
            let sequencer = AckSequencer(shard: shard) { [unowned self] in self.collect() }
            made = sequencer
            return sequencer
        }
        private func collect() {
            guard case .ack(let shard, let through) = made?.takeDue() else { return }
            frames.withLock { $0.append((shard, through)) }
        }
    }

    static let settled = ReplicaApplier.Outcome(applied: 3, waiting: 0)
    static let waiting = ReplicaApplier.Outcome(applied: 1, waiting: 2)

    @Test func acknowledgesOnlyThroughTheOldestFramesThatAreDurable() {
        let written = Written()
        let sequencer = written.sequencer(shard: 1)
        let first = sequencer.reserve(through: 10, acknowledges: true)
        let second = sequencer.reserve(through: 20, acknowledges: true)
        let third = sequencer.reserve(through: 30, acknowledges: true)
        // The second (it applied nothing, say) is done first: nothing may be acknowledged yet.
        sequencer.finished(second, outcome: Self.settled)
        #expect(written.list.isEmpty)
        // The first makes both due: one acknowledgement, through the second.
        sequencer.finished(first, outcome: Self.settled)
        #expect(written.list.map(\.1) == [20])
        #expect(written.list.map(\.0) == [1])
        sequencer.finished(third, outcome: Self.settled)
        #expect(written.list.map(\.1) == [20, 30])
    }

    @Test func aRetryIsWaitedForButAcknowledgesNothing() {
        let written = Written()
        let sequencer = written.sequencer(shard: 0)
        let records = sequencer.reserve(through: 5, acknowledges: true)
        let retry = sequencer.reserve(through: 0, acknowledges: false)
        let later = sequencer.reserve(through: 9, acknowledges: true)
        sequencer.finished(retry, outcome: Self.settled)
        sequencer.finished(later, outcome: Self.settled)
        #expect(written.list.isEmpty)
        sequencer.finished(records, outcome: Self.settled)
        #expect(written.list.map(\.1) == [9])
        // A retry alone moves nothing.
        sequencer.finished(sequencer.reserve(through: 0, acknowledges: false), outcome: Self.settled)
        #expect(written.list.map(\.1) == [9])
    }

    @Test func nothingIsAcknowledgedAfterAFailedCommit() {
        let written = Written()
        let sequencer = written.sequencer(shard: 0)
        let first = sequencer.reserve(through: 4, acknowledges: true)
        let failed = sequencer.reserve(through: 8, acknowledges: true)
        let after = sequencer.reserve(through: 12, acknowledges: true)
        sequencer.finished(first, outcome: Self.settled)
        sequencer.finished(failed, outcome: nil)
        sequencer.finished(after, outcome: Self.settled)
        #expect(written.list.map(\.1) == [4])
    }

    /// Records waiting for another shard's change are not in the log: their frame is
    /// acknowledged only once a later change leaves nothing waiting, a retry included.
    @Test func aFrameWithRecordsStillWaitingIsAcknowledgedOnceNoneWait() {
        let written = Written()
        let sequencer = written.sequencer(shard: 0)
        sequencer.finished(sequencer.reserve(through: 3, acknowledges: true), outcome: Self.settled)
        #expect(written.list.map(\.1) == [3])
        sequencer.finished(sequencer.reserve(through: 7, acknowledges: true), outcome: Self.waiting)
        sequencer.finished(sequencer.reserve(through: 9, acknowledges: true), outcome: Self.waiting)
        #expect(written.list.map(\.1) == [3])
        // The heartbeat's retry applies what waited: both frames are acknowledged.
        sequencer.finished(sequencer.reserve(through: 0, acknowledges: false), outcome: Self.settled)
        #expect(written.list.map(\.1) == [3, 9])
    }
}
