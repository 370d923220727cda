import ArgumentParser
import Foundation
import LeaseLog
import PortLeaseWire

/// `portlease leases`: the leases the log says are active now, optionally looked up
/// by client, address, or address and PSID.
struct LeasesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leases",
        abstract: "List active leases from the lease log, or look one up.",
        discussion: """
            Reads the log without changing it (safe beside a running server; what the server
            has not yet committed is not shown).
            Examples:
              portlease leases --config /etc/portlease/portlease.json
              portlease leases --log-dir ./var/lease-log --address 198.51.100.7 --psid 41
              portlease leases --log-dir ./var/lease-log --client id:ff:00:00:00:01:00:03:00:01:02:00:5e:10:20:30
            """
    )

    @OptionGroup var location: LeaseLogLocation

    @Option(help: "Only this client: its key as printed (id:.. or hw:..), or plain hex.")
    var client: String?

    @Option(help: "Only leases of this IPv4 address.")
    var address: String?

    @Option(help: "With --address: only this PSID.")
    var psid: UInt16?

    @Option(help: "The time to evaluate at (ISO 8601 or Unix seconds); default now.")
    var at: String?

    func run() throws {
        let now =
            try at.map { text in
                guard let time = Formats.parseTime(text) else { throw ValidationError("--at: not a time: \(text)") }
                return time
            } ?? Int64(Date().timeIntervalSince1970 * 1000)
        let wantedAddress = try address.map { text in
            guard let address = IPv4Address(text) else {
                throw ValidationError("--address: not an IPv4 address: \(text)")
            }
            return address
        }
        var latest: [ClientKey: LeaseRecord] = [:]
        for directory in try location.shardDirectories() {
            do throws(LeaseLogError) {
                _ = try LeaseLog.recover(directory: directory) { item in
                    if item.record.time <= now { latest[item.record.clientKey] = item.record }
                }
            } catch {
                Standard.error("\(directory): \(error)")
                throw ExitCode(1)
            }
        }
        let active = latest.values.filter { record in
            guard record.event == .bind || record.event == .renew else { return false }
            guard record.time + Int64(record.lifetime) * 1000 > now else { return false }
            if let client, !matches(record.clientKey, client) { return false }
            if let wantedAddress, record.address != wantedAddress { return false }
            if let psid, record.psid != psid { return false }
            return true
        }.sorted { ($0.address, $0.psidLength, $0.psid) < ($1.address, $1.psidLength, $1.psid) }
        for record in active {
            print(
                "\(record.address)  \(Formats.portSet(psid: record.psid, length: record.psidLength, offset: record.psidOffset))  "
                    + "\(record.clientKey)  subscriber \(record.subscriber)  \(Formats.relay(record.relay))  "
                    + "since \(Formats.time(record.time))  until \(Formats.time(record.time + Int64(record.lifetime) * 1000))"
            )
        }
        Standard.error("\(active.count) active lease(s)")
    }

    private func matches(_ key: ClientKey, _ text: String) -> Bool {
        let wanted = text.lowercased()
        if key.description == wanted { return true }
        let hex = wanted.filter(\.isHexDigit)
        return HexBytes.text(key.bytes, separator: "") == hex
    }
}
