/// Faults the failure-policy tests inject into a real `portlease serve` process, named by
/// the environment variable ``environmentVariable`` (read once, at start). Only for what
/// cannot be caused from outside the process; a failing disk is made for real in the tests.
package enum InjectedFault: String, Sendable, CaseIterable {
    /// After its first batch of datagrams, the receive loop ends with the error a dead
    /// socket gives (`EBADF` from the multishot `recvmsg`), as if its ring or socket broke.
    case receiveLoop = "receive-loop"

    /// `PORTLEASE_INJECT_FAULT=receive-loop`.
    package static let environmentVariable = "PORTLEASE_INJECT_FAULT"

    /// What the receive loop reports for ``receiveLoop``: the error of a dead socket.
    static let receiveLoopError =
        "multishot recvmsg: Bad file descriptor (errno 9), injected by \(environmentVariable)=receive-loop"
}
