import ArgumentParser
import Foundation
import PortLeasePerfCore
import PortLeaseTransport

/// `portlease-perf storm`: a regional reboot storm (issue 17). Every subscriber starts a DORA
/// at a uniformly random moment in the window, retransmits as RFC 2131 says (4 s doubling to
/// 64 s, ±1 s) and starts over after a failure, until it holds a lease; preloaded subscribers
/// renew meanwhile. Reports the time until 50%, 99% and 100% are bound, and goodput per second.
struct StormCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storm",
        abstract: "Reboot storm: N subscribers start DORAs within a window; report time until all are bound.",
        discussion: """
            Example: portlease-perf storm --port 10547 --relays 1 --subscribers 200000 --window 60 \\
                       --preload 10000 --renew-rate 1000 --timeline storm.csv
            Benchmarks/storm.sh runs it against PortLease and Kea and plots the timelines.
            """)

    @OptionGroup var options: GeneratorOptions

    @Option(help: "Subscribers rebooting in the storm.")
    var subscribers: Int = 100_000

    @Option(help: "Seconds within which they all start.")
    var window: Double = 60

    @Option(help: "Seconds after the window to wait for the last ones before giving up.")
    var giveUp: Double = 300

    @Option(help: "Renewals per second from the preloaded subscribers during the storm.")
    var renewRate: Double?

    @Option(help: "Retransmissions (RFC 2131 backoff) before an exchange is given up and started over.")
    var retransmissions: Int = 4

    @Option(help: "Seed of the start moments.")
    var seed: UInt64 = 1

    @Option(help: "Write the per-second timeline as CSV to this file.")
    var timeline: String?

    func validate() throws {
        try options.validate(subscribers: subscribers)
        guard window >= 0, giveUp >= 0 else { throw ValidationError("--window and --give-up must not be negative") }
        guard renewRate.map({ $0 > 0 }) ?? true else { throw ValidationError("--renew-rate must be positive") }
        guard renewRate == nil || options.preload > 0 else { throw ValidationError("--renew-rate needs --preload") }
        guard (0...30).contains(retransmissions) else { throw ValidationError("--retransmissions is 0...30") }
    }

    func run() throws {
        if let problem = IORingSupport.check() { throw ValidationError("\(problem)") }
        var exchange = ExchangeSettings(
            scenario: .dora, subscribers: subscribers, preload: options.preload, relays: options.relays,
            full: options.full, retransmissions: retransmissions)
        exchange.backoff = .rfc2131
        exchange.restartAfterFailure = true
        var settings = options.loadSettings(exchange)
        settings.window = 256
        settings.duration = window
        let report = try LoadRunner(settings: settings).runStorm(
            StormSettings(window: window, giveUp: giveUp, renewRate: renewRate, seed: seed))
        if let timeline {
            guard FileManager.default.createFile(atPath: timeline, contents: Data(report.timelineCSV.utf8)) else {
                throw ValidationError("--timeline: cannot write \(timeline)")
            }
        }
        print(options.json ? report.json : report.text)
    }
}
