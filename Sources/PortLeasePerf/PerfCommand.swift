import ArgumentParser

/// `portlease-perf`: a DHCPv4-over-DHCPv6 load generator (`run`, the default) and the bare
/// io_uring echo responder that measures the generator-plus-loopback ceiling (`echo`).
@main
struct PerfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portlease-perf",
        abstract: "Load-test a DHCPv4-over-DHCPv6 (RFC 7341) server with simulated subscribers.",
        discussion: """
            Without --relays every subscriber sends from one address, which a server's default
            limits.discover-rate (10 DISCOVERs/s per /64) treats as one source: use --relays 1, or
            "discover-rate": "off" on the server under test (Docs/Perf.md).
            Examples (against the quick-start server on [::1]:10547):
              portlease-perf --port 10547 --scenario dora --relays 1 --window 64 --duration 10
              portlease-perf --port 10547 --scenario renew --rate 20000 --exchanges 100000 --relays 1
              portlease-perf echo --port 10999 &   portlease-perf --port 10999 --scenario echo --duration 5
            """,
        subcommands: [RunCommand.self, EchoCommand.self, FloodCommand.self, StormCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
