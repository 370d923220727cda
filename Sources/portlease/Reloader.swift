import Foundation
import LeaseEngine
import Logging
import PortLeaseConfiguration
import PortLeaseControl
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
/// Driven by ``HangupService`` in the serve command's service group (SIGHUP) and by the
/// control API (`POST /v1/config/reload`); a lock serialises every use of `current`.
final class Reloader: @unchecked Sendable {
    private let lock = NSLock()
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

    /// Reads the file and applies what it may; what happened, also logged. One reload at a
    /// time (SIGHUP and the control API may ask together).
    @discardableResult
    func reload() -> ReloadOutcome {
        lock.withLock { reloadLocked() }
    }

    private func reloadLocked() -> ReloadOutcome {
        let new: ServerConfiguration
        do throws(ConfigurationError) {
            new = try ServerConfiguration.load(contentsOf: path)
        } catch {
            let problems = error.problems.map { "\($0.keyPath): \($0.reason)" }
            logger.error(
                "reload refused: the configuration has problems; the old one stays",
                metadata: ["file": "\(path)", "problems": "\(problems.isEmpty ? ["\(error)"] : problems)"])
            return refused(problems.isEmpty ? ["\(error)"] : problems)
        }
        let orphaned = removedAddressRanges(from: current, to: new).filter {
            server.hasBindings(pool: $0.pool, in: $0.range)
        }
        guard orphaned.isEmpty else {
            let ranges = orphaned.map { "\($0.pool) \($0.range.lowerBound)-\($0.range.upperBound)" }
            logger.error(
                "reload refused: it would orphan active leases; the old configuration stays",
                metadata: ["ranges": "\(ranges)"])
            return refused(ranges.map { "it would orphan active leases in \($0)" })
        }
        for (old, candidate) in zip(current.engine.pools, new.engine.pools) where !old.hasSameStructure(as: candidate) {
            let reason =
                "pool \(old.name) changes its structure (name, kind, PSID parameters or ranges); restart to apply"
            logger.error("reload refused: \(reason)")
            return refused([reason])
        }
        guard Set(current.engine.reservations) == Set(new.engine.reservations) else {
            let reason = "reservations added, removed or changed; restart to apply"
            logger.error("reload refused: \(reason)")
            return refused([reason])
        }
        guard current.engine.pools.count == new.engine.pools.count else {
            let reason = "pools added or removed; restart to apply"
            logger.error("reload refused: \(reason)")
            return refused([reason])
        }
        let restartOnly = Self.restartOnlyChanges(from: current, to: new)
        if !restartOnly.isEmpty {
            logger.warning("these settings take effect at the next restart", metadata: ["keys": "\(restartOnly)"])
        }
        server.reconfigure(new.engine)
        current = new
        logger.info("configuration reloaded", metadata: ["file": "\(path)"])
        return ReloadOutcome(applied: true, file: path, restartNeeded: restartOnly)
    }

    private func refused(_ problems: [String]) -> ReloadOutcome {
        ReloadOutcome(applied: false, file: path, problems: problems)
    }

    /// The keys read only at start-up that differ between `old` and `new`.
    static func restartOnlyChanges(from old: ServerConfiguration, to new: ServerConfiguration) -> [String] {
        var keys: [String] = []
        if new.listen != old.listen { keys.append("listen") }
        if new.workers != old.workers { keys.append("workers") }
        if new.leaseLog != old.leaseLog { keys.append("lease-log") }
        if new.metrics != old.metrics { keys.append("metrics") }
        if new.control != old.control || new.controlTCP != old.controlTCP { keys.append("control") }
        if new.logLevel != old.logLevel { keys.append("log-level") }
        if new.queueDepth != old.queueDepth { keys.append("queue-depth") }
        if new.discoverRate != old.discoverRate { keys.append("limits.discover-rate") }
        if new.redundancy != old.redundancy { keys.append("redundancy") }
        if new.queueDelayBudgetMilliseconds != old.queueDelayBudgetMilliseconds { keys.append("queue-delay-budget") }
        if new.dhcp4o6ServerAddresses != old.dhcp4o6ServerAddresses { keys.append("dhcp4o6-server-addresses") }
        return keys
    }
}
