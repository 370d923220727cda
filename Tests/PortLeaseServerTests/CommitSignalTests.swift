import Synchronization
import Testing

@testable import PortLeaseServer

/// The replication sender's wake-up: a commit after the generation it took ends its wait; none
/// is lost between its look at the logs and its wait.
struct CommitSignalTests {
    @Test func aCommitSinceTheLookEndsTheWaitAtOnce() async {
        let signal = CommitSignal()
        let seen = signal.generation
        signal.committed()
        await signal.wait(after: seen)  // returns: the commit came after `seen`
        #expect(signal.generation == seen + 1)
    }

    @Test func aWaitingReaderIsWokenByTheNextCommit() async {
        let signal = CommitSignal()
        let seen = signal.generation
        async let woken: Void = signal.wait(after: seen)
        // The commit may come before or after the wait registers: either way the wait ends.
        signal.committed()
        await woken
        #expect(signal.generation > seen)
    }

    @Test func cancellationEndsAWaitWithNoCommit() async {
        let signal = CommitSignal()
        let seen = signal.generation
        let waiting = Task { await signal.wait(after: seen) }
        waiting.cancel()
        await waiting.value
        #expect(signal.generation > seen, "the cancellation woke it")
    }

    @Test func manyReadersAndCommitsFromAnotherThreadNeverHang() async {
        let signal = CommitSignal()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<500 {
                        let seen = signal.generation
                        await signal.wait(after: seen)
                    }
                }
            }
            group.addTask {
                // A worker thread committing until every reader is done.
                while !Task.isCancelled {
                    signal.committed()
                    await Task.yield()
                }
            }
            for _ in 0..<4 { await group.next() }
            group.cancelAll()
        }
    }

    /// A ring is called at every commit and wake while registered, and not after.
    @Test func aRingerIsCalledAtEachCommitAndWakeUntilRemoved() {
        let signal = CommitSignal()
        let rings = Atomic<Int>(0)
        let number = signal.addRinger { rings.add(1, ordering: .relaxed) }
        signal.committed()
        signal.committed()
        signal.wake()
        #expect(rings.load(ordering: .relaxed) == 3)
        signal.removeRinger(number)
        signal.committed()
        #expect(rings.load(ordering: .relaxed) == 3)
    }
}
