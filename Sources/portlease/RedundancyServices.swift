import Logging
import PortLeaseConfiguration
import PortLeaseControl
import PortLeaseReplication
import PortLeaseServer
import PortLeaseSystem
import ServiceLifecycle

/// `portlease serve`'s part of the `"redundancy"` section: the groups' starting states (a
/// group this instance took over before a restart is still its own), the pools not served
/// from the start, and the replication services.
struct RedundancyServices {
    let configuration: ServerConfiguration.Redundancy
    let status: RedundancyStatus
    let positions: ReplicationPositions
    let acknowledged: StandbyAcknowledgements
    /// Synchronous mode, for a group this instance is active for: ACKs wait for the standby.
    let gate: PartnerGate?
    /// Operators' failback requests (`POST /v1/redundancy/failback`), for the sender's links.
    let failbacks: FailbackDesk

    /// Reads what the lease-log directory keeps of replication; throws with the reason.
    init(_ configuration: ServerConfiguration.Redundancy, leaseLogDirectory: String, workers: Int) throws {
        self.configuration = configuration
        positions = try ReplicationPositions(
            leaseLogDirectory: leaseLogDirectory, partners: configuration.partners.map(\.name), shards: workers)
        acknowledged = StandbyAcknowledgements(
            standbys: ReplicationSender.standbys(of: configuration), shards: workers,
            holdMilliseconds: configuration.standbyLogHoldMilliseconds)
        gate =
            configuration.synchronous && !configuration.activeGroups.isEmpty ? PartnerGate(shards: workers) : nil
        let taken = Set(positions.takenOver(configuration.standbyGroups.map(\.name)))
        let now = SystemClock.wallClockMilliseconds()
        status = RedundancyStatus(
            groups: configuration.poolGroups.map { group in
                let isActive = group.active == configuration.instance
                let state: RedundancyStatus.State =
                    isActive ? .starting : taken.contains(group.name) ? .partnerDown : .standby
                return .init(
                    name: group.name, partner: isActive ? group.standby : group.active, state: state, since: now)
            })
        failbacks = FailbackDesk(configuration: configuration, status: status)
    }

    /// The server's settings with the followed groups' pools silent, compaction held back to
    /// what the standbys have, and the metrics.
    func apply(to settings: inout Server.Settings) {
        settings.partnerGate = gate
        if !configuration.activeGroups.isEmpty, settings.maintenance != nil {
            let (previous, acknowledged) = (settings.maintenance?.compactionLimit, acknowledged)
            settings.maintenance?.compactionLimit = { shard in
                min(previous?(shard) ?? UInt64.max, acknowledged.limit(shard))
            }
        }
        settings.assignPoolRoles = { [configuration, status] served in
            for group in configuration.poolGroups {
                if let state = status.state(of: group.name) { group.assignRoles(state, in: served) }
            }
        }
        let previous = settings.metricsAppendix
        settings.metricsAppendix = { [status] in (previous?() ?? "") + status.render() }
    }

    /// What the control API reads and asks of redundancy: the groups' states, and failback.
    var control: RedundancyControl {
        RedundancyControl(groups: statusGroups) { [failbacks] group in try await failbacks.failBack(group) }
    }

    /// The pool groups as `GET /v1/status` shows them.
    var statusGroups: @Sendable () -> [StatusDocument.RedundancyGroup] {
        { [status, positions] in
            status.groups.map { group in
                let following = [.standby, .partnerDown, .handingBack].contains(group.state)
                return StatusDocument.RedundancyGroup(
                    group: group.name, partner: group.partner, state: group.state.rawValue,
                    since: IsoTime.string(group.since), partnerConnected: status.isConnected(group.partner),
                    standbyBehindRecords: following ? nil : status.behind(group.partner),
                    clockSkewMilliseconds: following ? status.clockSkew(group.partner) : nil,
                    caughtUp: following ? positions.isCaughtUp(with: group.partner) : nil)
            }
        }
    }

    /// The sender (when this instance is active for a group) and the receiver (when it is a
    /// standby), to run once the server has started.
    func services(server: Server, leaseLogDirectory: String, logger: Logger) throws
        -> [ServiceGroupConfiguration.ServiceConfiguration]
    {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if !configuration.activeGroups.isEmpty {
            let sender = try ReplicationSender(
                configuration: configuration, server: server, status: status, leaseLogDirectory: leaseLogDirectory,
                acknowledged: acknowledged, gate: gate, failbacks: failbacks, logger: logger)
            services.append(
                .init(
                    service: sender, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "replication sender"))
        }
        if !configuration.standbyGroups.isEmpty {
            let receiver = try ReplicationReceiver(
                configuration: configuration, server: server, status: status, positions: positions, logger: logger)
            services.append(
                .init(
                    service: receiver, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "replication receiver"))
        }
        return services
    }
}
