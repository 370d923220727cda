import ArgumentParser
import PortLeasePerfCore
import PortLeaseTransport
import PortLeaseWire

extension Scenario: ExpressibleByArgument {}
extension ExchangeSettings.Backoff: ExpressibleByArgument {}

/// `portlease-perf run`: simulated subscribers against a server; prints the report.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a scenario against a server and report rate, latency and errors.")

    @OptionGroup var options: GeneratorOptions

    @Option(help: "dora, dora-release, renew, init-reboot, info-request or echo.")
    var scenario: Scenario = .dora

    @Option(help: "Mix scenarios by weight, e.g. dora:70,renew:20,info-request:10 (overrides --scenario).")
    var mix: String?

    @Option(help: "Simulated subscribers taking part (each its own client id, chaddr, IPv6 identity).")
    var subscribers: Int = 1000

    @Option(help: "Hint this PSID length in option 159 of DISCOVERs.")
    var psidLength: UInt8?

    @Option(help: "Open loop: start this many exchanges per second.")
    var rate: Double?

    @Option(help: "Closed loop: keep this many exchanges in flight (when --rate is not given).")
    var window: Int = 64

    @Option(help: "Measure for this many seconds.")
    var duration: Double?

    @Option(help: "Measure this many exchanges.")
    var exchanges: Int?

    @Option(help: "Seconds a query waits for its reply.")
    var timeout: Double = 1

    @Option(help: "Retransmissions after a timeout before an exchange is abandoned.")
    var retransmissions: Int = 2

    @Option(
        help: "fixed: every try waits --timeout; rfc2131: 4 s doubling to 64 s, each +/-1 s (RFC 2131 4.1).")
    var backoff: ExchangeSettings.Backoff = .fixed

    func validate() throws {
        try options.validate(subscribers: subscribers)
        guard (psidLength ?? 0) <= 16 else { throw ValidationError("--psid-length is 0...16") }
        guard rate.map({ $0 > 0 }) ?? true, window > 0 else {
            throw ValidationError("--rate and --window must be positive")
        }
        guard duration != nil || exchanges != nil else { throw ValidationError("give --duration or --exchanges") }
        guard timeout > 0, retransmissions >= 0 else {
            throw ValidationError("--timeout must be positive, --retransmissions not negative")
        }
    }

    func run() throws {
        if let problem = IORingSupport.check() { throw ValidationError("\(problem)") }
        let scenarioMix: ScenarioMix?
        do { scenarioMix = try mix.map { try ScenarioMix(parsing: $0) } } catch {
            throw ValidationError("--mix: \(error)")
        }
        var exchange = ExchangeSettings(
            scenario: scenario, subscribers: subscribers, preload: options.preload, relays: options.relays,
            full: options.full, psidLengthHint: psidLength, timeoutNanoseconds: UInt64(timeout * 1e9),
            retransmissions: retransmissions, mix: scenarioMix)
        exchange.backoff = backoff
        var settings = options.loadSettings(exchange)
        settings.rate = rate
        settings.window = window
        settings.duration = duration
        settings.exchanges = exchanges
        let report = try LoadRunner(settings: settings).run()
        print(options.json ? report.json : report.text)
    }
}
