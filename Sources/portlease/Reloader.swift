import Foundation
import LeaseEngine
import Logging
import PortLeaseConfiguration
import PortLeaseServer

/// SIGHUP: re-read the configuration file and apply what a running server can.
///
/// Refused, with the old configuration kept and the reason logged: a file with
/// problems; a change that would orphan active leases (a pool or address range
/// removed while something in it is held); any other change to the pools'
/// structure (it needs a restart). Settings read only at start (listen, workers,
/// lease log, metrics, log level) are reported as needing a restart; the rest
/// (options, lifetimes, matching, limits, timers) is applied by every shard
/// before its next batch.
///
/// Driven by ``HangupService`` in the serve command's service group, which calls
/// ``reload()`` for one SIGHUP at a time: that serialises every use of `current`.
final class Reloader: @unchecked Sendable {
    private let server: Server
    private let path: String
    private var current: ServerConfiguration
    private let logger: Logger

    init(server: Server, path: String, current: ServerConfiguration, logger: Logger) {
        self.server = server
        self.path = path
        self.current = current
        self.logger = logger
    }

    func reload() {
        let new: ServerConfiguration
        do throws(ConfigurationError) {
            new = try ServerConfiguration.load(contentsOf: path)
        } catch {
            let problems = error.problems.map { "\($0.keyPath): \($0.reason)" }
            logger.error(
                "reload refused: the configuration has problems; the old one stays",
                metadata: ["file": "\(path)", "problems": "\(problems.isEmpty ? ["\(error)"] : problems)"])
            return
        }
        let orphaned = removedAddressRanges(from: current, to: new).filter {
            server.hasBindings(pool: $0.pool, in: $0.range)
        }
        guard orphaned.isEmpty else {
            logger.error(
                "reload refused: it would orphan active leases; the old configuration stays",
                metadata: ["ranges": "\(orphaned.map { "\($0.pool) \($0.range.lowerBound)-\($0.range.upperBound)" })"])
            return
        }
        for (old, candidate) in zip(current.engine.pools, new.engine.pools) where !old.hasSameStructure(as: candidate) {
            logger.error(
                "reload refused: pool \(old.name) changes its structure (name, kind, PSID parameters or ranges); restart to apply"
            )
            return
        }
        guard Set(current.engine.reservations) == Set(new.engine.reservations) else {
            logger.error("reload refused: reservations added, removed or changed; restart to apply")
            return
        }
        guard current.engine.pools.count == new.engine.pools.count else {
            logger.error("reload refused: pools added or removed; restart to apply")
            return
        }
        var restartOnly: [String] = []
        if new.listen != current.listen { restartOnly.append("listen") }
        if new.workers != current.workers { restartOnly.append("workers") }
        if new.leaseLog != current.leaseLog { restartOnly.append("lease-log") }
        if new.metrics != current.metrics { restartOnly.append("metrics") }
        if new.control != current.control || new.controlTCP != current.controlTCP { restartOnly.append("control") }
        if new.logLevel != current.logLevel { restartOnly.append("log-level") }
        if new.queueDepth != current.queueDepth { restartOnly.append("queue-depth") }
        if new.discoverRate != current.discoverRate { restartOnly.append("limits.discover-rate") }
        if new.queueDelayBudgetMilliseconds != current.queueDelayBudgetMilliseconds {
            restartOnly.append("queue-delay-budget")
        }
        if new.dhcp4o6ServerAddresses != current.dhcp4o6ServerAddresses {
            restartOnly.append("dhcp4o6-server-addresses")
        }
        if !restartOnly.isEmpty {
            logger.warning("these settings take effect at the next restart", metadata: ["keys": "\(restartOnly)"])
        }
        server.reconfigure(new.engine)
        current = new
        logger.info("configuration reloaded", metadata: ["file": "\(path)"])
    }
}
