import Synchronization

/// Ports for the servers the tests start: below Linux's ephemeral range (32768-60999), where
/// clients' own sockets take theirs (one took the port of a server killed by a test just
/// before it was started again), and never the same one twice in a test process, since
/// suites run in parallel. A random start keeps two test processes apart too.
enum TestPorts {
    private static let next = Atomic<Int>(Int.random(in: 0..<12_000))

    /// A port in 20000-31999 that no other test of this process was given.
    static func take() -> UInt16 {
        UInt16(20_000 + next.add(1, ordering: .relaxed).newValue % 12_000)
    }
}
