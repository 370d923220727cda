import ArgumentParser
import Foundation
import PortLeaseControl

/// `portlease pools`: each pool's utilisation against its alarm, and its port sets by size.
struct PoolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pools",
        abstract: "Show how full each pool is (GET /v1/pools).",
        discussion: """
            Asks the running server's control API. Utilisation is the share of the pool's finest
            port sets in use (offers included); ALARM marks a pool at or above its
            utilisation-alarm; refused counts new bindings refused while the pool was full.
            Example: portlease pools --config /etc/portlease/portlease.json
            """
    )

    @OptionGroup var endpoint: ControlEndpoint

    @Flag(help: "Print the API's JSON.")
    var json = false

    func run() throws {
        let body = try endpoint.request("GET", "/v1/pools")
        if json {
            print(String(decoding: body, as: UTF8.self))
            return
        }
        for pool in try JSONDecoder().decode(PoolsDocument.self, from: Data(body)).pools {
            let percent = { (share: Double) in String(format: "%.1f%%", share * 100) }
            print(
                "\(pool.name) (\(pool.kind)): \(percent(pool.utilisation)) used, alarm at \(percent(pool.alarmThreshold))\(pool.alarmed ? "  ALARM" : ""), refused \(pool.exhausted), offers outstanding \(pool.offersOutstanding)"
            )
            for sets in pool.portSets {
                let size = sets.psidLength == 0 ? "full addresses" : "psid-length \(sets.psidLength)"
                print("  \(size): \(sets.used) used, \(sets.free) free")
            }
        }
    }
}
