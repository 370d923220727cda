/// Faults the failure-policy tests inject into a real `portlease serve` process, named by
/// the environment variable ``environmentVariable`` (read once, at start). Only for what
/// cannot be caused from outside the process; a failing disk is made for real in the tests.
package enum InjectedFault: String, Sendable, CaseIterable {
    /// After its first batch of datagrams, the receive loop ends with the error a dead
    /// socket gives (`EBADF` from the multishot `recvmsg`), as if its ring or socket broke.
    case receiveLoop = "receive-loop"

    /// Each shard worker's batch takes ``slowBatchMilliseconds`` longer, as on a saturated
    /// CPU or a disk whose syncs stall: the overload test's worker falls behind a flood that
    /// the receive thread and the test's own processes keep up with on a 2-core machine.
    case slowWorker = "slow-worker"

    /// The old active of a failback waits ``slowTakeBackSeconds`` once its standby has handed
    /// its leases back, before applying them: the failback test cuts the link there.
    case slowTakeBack = "slow-take-back"

    /// How long ``slowTakeBack`` waits.
    package static let slowTakeBackSeconds = 5

    /// `PORTLEASE_INJECT_FAULT=receive-loop`.
    package static let environmentVariable = "PORTLEASE_INJECT_FAULT"

    /// How much longer a batch takes under ``slowWorker``.
    static let slowBatchMilliseconds: UInt64 = 20

    /// What the receive loop reports for ``receiveLoop``: the error of a dead socket.
    static let receiveLoopError =
        "multishot recvmsg: Bad file descriptor (errno 9), injected by \(environmentVariable)=receive-loop"
}
