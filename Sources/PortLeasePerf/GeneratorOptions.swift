import ArgumentParser
import PortLeasePerfCore
import PortLeaseTransport
import PortLeaseWire

/// The options `run` and `storm` share: where the server is, how the simulated subscribers
/// look on the wire, and how the run reports.
struct GeneratorOptions: ParsableArguments {
    @Option(help: "The server's IPv6 address.")
    var server: String = "::1"

    @Option(help: "The server's UDP port.")
    var port: UInt16 = 547

    @Option(help: "The generator's own UDP port (0: any; Kea answers direct clients on its -P port).")
    var localPort: UInt16 = 0

    @Option(help: "Subscribers that obtain a lease before measuring and keep it (pool occupancy).")
    var preload: Int = 0

    @Option(help: "Relay-forward levels around each query: 0, 1 or 2.")
    var relays: Int = 0

    @Flag(help: "Full-address clients: do not list option 159.")
    var full = false

    @Option(help: "Timer tick in microseconds (timeouts, pacing).")
    var tick: Int = 1000

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func validate() throws {
        guard IPv6Address(server) != nil else { throw ValidationError("--server: not an IPv6 address") }
        guard (0...2).contains(relays) else { throw ValidationError("--relays must be 0, 1 or 2") }
        guard preload >= 0, tick > 0 else { throw ValidationError("--preload must not be negative, --tick positive") }
    }

    /// Checks that `subscribers` measured ones fit beside the preloaded ones.
    func validate(subscribers: Int) throws {
        guard subscribers > 0, subscribers + preload <= SubscriberIdentity.maximumCount else {
            throw ValidationError("--subscribers must be positive and --subscribers + --preload at most 2^24")
        }
    }

    /// The load settings for `exchange`, with these options' server, tick and progress.
    func loadSettings(_ exchange: ExchangeSettings) -> LoadSettings {
        var settings = LoadSettings(
            exchange: exchange, server: SocketAddress6(address: IPv6Address(server)!, port: port),
            tickNanoseconds: UInt64(tick) * 1000, progress: !quiet)
        settings.localPort = localPort
        return settings
    }
}
