import ArgumentParser
import Foundation
import LeaseEngine
import LeaseLog
import PortLeaseConfiguration
import PortLeaseImport
import PortLeaseSystem

/// `portlease import kea-reservations KEA.conf --config CONFIG`: the host reservations of a Kea
/// DHCPv4 configuration become PortLease reservations of whole addresses, kept in
/// `reservations.json` beside a stopped server's lease log (or printed for its configuration).
struct ImportKeaReservationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kea-reservations",
        abstract: "Import the host reservations of a Kea DHCPv4 configuration (kea-dhcp4.conf).",
        discussion: """
            Reads Dhcp4.reservations and the reservations of every subnet4 (shared networks' included).
            A host with ip-address and hw-address (Ethernet: hw:01:MAC) or client-id (id:HEX) becomes a
            reservation of that whole address, if the address lies in a full-address pool of CONFIG and
            neither the client nor the address is reserved already. Skipped and counted: hosts without
            ip-address, hosts identified by duid, circuit-id or flex-id, addresses in no pool or in a
            shared pool, and conflicts.
            The reservations are added to reservations.json in the lease-log directory (the server must
            be stopped; it takes them at its next start, ending any other client's lease on them with a
            forced-release record), or with --print written out as a "reservations" array for CONFIG.
            Exit status: 0 imported (possibly nothing); 1 refused, with the reason.
            Example:
              portlease import kea-reservations /etc/kea/kea-dhcp4.conf --config /etc/portlease/portlease.json
            """
    )

    @Argument(help: "The Kea DHCPv4 configuration (kea-dhcp4.conf).")
    var file: String

    @Option(name: .shortAndLong, help: "The server's configuration file: its pools and lease-log directory.")
    var config: String

    @Flag(help: "Print the reservations as a \"reservations\" array for CONFIG instead of storing them.")
    var print = false

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func run() throws {
        let configuration: ServerConfiguration
        do throws(ConfigurationError) {
            configuration = try ServerConfiguration.load(contentsOf: config)
        } catch {
            ConfigurationReport.print(error, file: config)
            throw ExitCode(1)
        }
        let hosts = try Standard.orExit { () throws(KeaImportError) in
            let bytes: [UInt8]
            do throws(SystemCallError) {
                bytes = try Files.readAll(file)
            } catch {
                throw .unreadable(error)
            }
            return try KeaReservations(text: String(decoding: bytes, as: UTF8.self))
        }
        let base = configuration.leaseLog.directory
        let stored = try Standard.orExit { () throws(ConfigurationError) in
            try ReservationFile.load(directory: base)
        }
        let (added, skipped) = hosts.reservations(
            for: configuration.engine, existing: configuration.engine.reservations + stored)
        var engine = configuration.engine
        engine.reservations += stored + added
        do throws(EngineError) {
            _ = try LeaseEngine.makePools(for: engine, shards: configuration.workers)
        } catch {
            Standard.error("refused: the reservations do not check together: \(error); nothing was written")
            throw ExitCode(1)
        }
        if print {
            Swift.print(
                "\"reservations\": [\n" + added.map { "  " + ReservationFile.entry($0) }.joined(separator: ",\n")
                    + "\n]")
        } else if !added.isEmpty {
            let lock = try Standard.orExit { () throws(LeaseLogLock.Refusal) in try LeaseLogLock.take(base) }
            defer { lock.unlock() }
            try Standard.orExit { () throws(LeaseLogError) in
                try ReservationFile.store(stored + added, directory: base)
            }
        }
        report(hosts: hosts.hosts.count + hosts.skipped.values.reduce(0, +), added: added.count, skipped: skipped)
    }

    private func report(hosts: Int, added: Int, skipped: [KeaReservations.SkipReason: Int]) {
        let reasons = KeaReservations.SkipReason.allCases.compactMap { reason in
            skipped[reason].map { (reason.rawValue, $0) }
        }
        let destination = print ? "standard output" : "reservations.json"
        if json {
            let fields = reasons.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",")
            Standard.error(
                "{\"hosts\":\(hosts),\"imported\":\(added),\"to\":\"\(destination)\",\"skipped\":{\(fields)}}")
            return
        }
        Standard.error("\(file): \(hosts) host reservation(s); imported \(added) into \(destination)")
        if !reasons.isEmpty {
            Standard.error("skipped: " + reasons.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
        }
    }
}
