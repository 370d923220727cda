import LeaseLog
import Logging
import PortLeaseControlPlane
import ServiceLifecycle

/// The live syslog feed of holding events (`Docs/Syslog.md`): one RFC 5424 message per holding
/// start and end, as the shards' logs record them, to a collector or the local socket. A
/// swift-service-lifecycle `Service` in `portlease serve`'s group, beside (and independent of)
/// PostgreSQL shipping.
///
/// **Live only.** Each shard's feed starts at the sequence the shard has committed when the
/// service starts: what happened before is in the lease log, `portlease trace` and the history
/// database, and replaying it to a SIEM after every restart would duplicate it. The feed does
/// not hold compaction back either; if it ever trails so far that compaction removed records it
/// had not read, it starts again at the current committed point and counts the records it
/// skipped (``SyslogStatistics/Field/skippedRecords``). **Never on the packet path.** It reads
/// the shard logs' files (`HoldingFeed`, up to the sequence each worker publishes as durable) on
/// the control plane's nice-10 event loop and hands messages to a ``SyslogSender``, whose
/// bounded queue drops rather than waits: a slow or absent collector costs events, never
/// leases.
package final class SyslogFeed: Service, Sendable {
    package let origin: SyslogMessage.Origin
    package let sender: SyslogSender
    package let statistics: SyslogStatistics
    private let directories: [String]
    private let committed: @Sendable (Int) -> UInt64
    private let interval: Duration
    private let logger: Logger

    /// Most log records folded per read.
    static let readLimit = 1000
    /// How long ``run()`` lets the sender empty its queue at graceful shutdown.
    static let drainTime = Duration.seconds(2)

    /// `directories[shard]` is each shard's log; `committed(shard)` its last durable sequence number.
    package init(
        origin: SyslogMessage.Origin, sender: SyslogSender, statistics: SyslogStatistics, directories: [String],
        committed: @escaping @Sendable (Int) -> UInt64, intervalMilliseconds: Int = 200, logger: Logger
    ) {
        self.origin = origin
        self.sender = sender
        self.statistics = statistics
        self.directories = directories
        self.committed = committed
        self.interval = .milliseconds(intervalMilliseconds)
        self.logger = logger
    }

    package func run() async throws {
        await withTaskExecutorPreference(ControlPlane.taskExecutor) {
            logger.info(
                "syslog feed started",
                metadata: ["destination": "\(sender.destination)", "shards": "\(directories.count)"])
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.sender.run() }
                await withGracefulShutdownHandler {
                    await withDiscardingTaskGroup { shards in
                        for shard in directories.indices {
                            shards.addTask { await self.follow(shard: shard) }
                        }
                    }
                } onGracefulShutdown: {
                }
                // The shards stopped: the sender sends what they queued, for at most `drainTime`.
                sender.finish()
                group.addTask { try? await Task.sleep(for: Self.drainTime) }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Feeds one shard until cancelled or shut down.
    private func follow(shard: Int) async {
        var feed: HoldingFeed?
        var events: [HoldingEvent] = []
        var backoff = Duration.seconds(1)
        var failing = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var read = 0
            do throws(LeaseLogError) {
                let open: HoldingFeed
                if let feed {
                    open = feed
                } else {
                    open = try HoldingFeed(directory: directories[shard], after: committed(shard))
                    feed = open
                }
                events.removeAll(keepingCapacity: true)
                read = try open.next(through: committed(shard), limit: Self.readLimit, into: &events)
                for event in events { sender.send(SyslogMessage(event, origin: origin).text) }
                if failing {
                    logger.notice("syslog feed reads the lease log again", metadata: ["shard": "\(shard)"])
                    failing = false
                }
                backoff = .seconds(1)
            } catch {
                if case .missingRecords = error, let position = feed?.position {
                    // Compaction removed records this feed had not read: skip to the present.
                    let now = committed(shard)
                    statistics.add(.skippedRecords, now > position ? Int(now - position) : 0)
                    logger.warning(
                        "syslog feed fell behind compaction; skipping to the newest records",
                        metadata: ["shard": "\(shard)", "from": "\(position)", "to": "\(now)"])
                    feed = nil
                    continue
                }
                statistics.add(.failures)
                if !failing {
                    logger.error(
                        "syslog feed cannot read the lease log; retrying",
                        metadata: ["shard": "\(shard)", "error": "\(error)"])
                    failing = true
                }
                feed = nil
                guard (try? await Task.sleep(for: backoff)) != nil else { return }
                backoff = min(backoff * 2, .seconds(30))
                continue
            }
            if read < Self.readLimit {
                guard (try? await Task.sleep(for: interval)) != nil else { return }
            }
        }
    }
}
