import ArgumentParser
import PortLeasePerfCore
import PortLeaseTransport
import PortLeaseWire

/// `portlease-perf flood`: a DISCOVER flood with random client identifiers from one
/// IPv6 source, for the flood benchmark (Benchmarks/discover-flood.sh). Run it
/// beside `portlease-perf run` (the legitimate clients) and compare their rate
/// with and without it.
struct FloodCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flood",
        abstract: "Send DISCOVERs with fresh random client identifiers from one source at a fixed rate.",
        discussion: """
            Unrelayed DHCPV4-QUERYs, open loop (replies are counted, never waited for).
            Example: portlease-perf flood --port 10547 --source ::1 --rate 100000 --duration 60
            """)

    @Option(help: "The server's IPv6 address.")
    var server: String = "::1"

    @Option(help: "The server's UDP port.")
    var port: UInt16 = 547

    @Option(help: "The local IPv6 address to send from: the flood's one source.")
    var source: String = "::1"

    @Option(help: "DISCOVERs per second.")
    var rate: Int = 100_000

    @Option(help: "Seconds to flood.")
    var duration: Double = 60

    @Option(help: "Seed of the random client identifiers.")
    var seed: UInt64 = 0x464C_4F4F_44

    func validate() throws {
        guard IPv6Address(server) != nil else { throw ValidationError("--server: not an IPv6 address") }
        guard IPv6Address(source) != nil else { throw ValidationError("--source: not an IPv6 address") }
        guard (1...10_000_000).contains(rate) else { throw ValidationError("--rate: 1 to 10000000 per second") }
        guard duration > 0 else { throw ValidationError("--duration: more than 0 seconds") }
    }

    func run() throws {
        let flood = try DiscoverFlood(
            server: SocketAddress6(address: IPv6Address(server)!, port: port), source: IPv6Address(source)!,
            seed: seed)
        print("flooding [\(server)]:\(port) from \(flood.localAddress) at \(rate)/s for \(duration) s")
        print(try flood.run(rate: rate, seconds: duration))
    }
}
