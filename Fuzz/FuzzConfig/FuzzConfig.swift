import LeaseEngine
import PortLeaseConfiguration
import PortLeaseFuzzSupport
import PortLeaseServer
import PortLeaseWire
import PortSetPool

/// libFuzzer harness `config`: one input is the bytes of a configuration file.
///
/// It goes through `ServerConfiguration.parse(_:)`, what `portlease check-config` and
/// `portlease serve` call on the file's contents (`load(contentsOf:)` reads the file and
/// calls it). Every input must give a configuration or a typed `ConfigurationError`, and a
/// refusal must say why (no `.invalid` without problems). A configuration that parses must
/// also give what `serve` builds from it: its warnings, its pools (`makePools()`, which the
/// parse promises will not fail), an engine over them, and a classifier with its DISCOVER
/// rate that routes a query.
enum ConfigHarness {
    /// A DISCOVER from a client of its own /64, sent straight to the server.
    nonisolated(unsafe) static let discover: [UInt8] = {
        var client = SeedClient(1, relays: 0)
        return client.discover()
    }()

    static func run(_ bytes: UnsafeRawBufferPointer) {
        let configuration: ServerConfiguration
        do throws(ConfigurationError) {
            configuration = try ServerConfiguration.parse(Array(bytes))
        } catch {
            if case .invalid(let problems) = error, problems.isEmpty {
                fatalError("a configuration was refused without a reason")
            }
            _ = error.description
            return
        }
        _ = configuration.warnings(interfaceExists: { $0.hasPrefix("eth") })
        let pools: [PortSetPool]
        do throws(ConfigurationError) {
            pools = try configuration.makePools()
        } catch {
            fatalError("a parsed configuration's pools do not build: \(error)")
        }
        do throws(EngineError) {
            _ = try LeaseEngine(configuration: configuration.engine, pools: pools, shard: 0)
        } catch {
            fatalError("a parsed configuration's engine does not build: \(error)")
        }
        route(configuration)
    }

    /// Classifies ``discover`` as the receive thread would, with the configuration's
    /// identity, shard count and DISCOVER rate.
    static func route(_ configuration: ServerConfiguration) {
        let classifier = Classifier(
            shardCount: configuration.workers, serverDUID: configuration.serverDUID ?? FuzzSetup.serverDUID,
            serverAddresses: configuration.dhcp4o6ServerAddresses,
            discoverRate: configuration.discoverRate)
        let counters = ServerCounters()
        var scratch = [UInt8](repeating: 0, count: ServerPath.slotSize)
        let source = FuzzSetup.origin(0).source
        // The first query and one an hour later find a full bucket; the one in between may not.
        for (now, admitted) in [(0, true), (1, false), (3_600_000, true)] as [(Int64, Bool)] {
            let decision = discover.withUnsafeBytes { payload in
                scratch.withUnsafeMutableBytes { buffer in
                    var reply = ByteWriter(buffer)
                    return classifier.classify(payload, source: source, reply: &reply, counters: counters, now: { now })
                }
            }
            if !admitted, decision == .dropped(.discoverRate) { continue }
            guard case .query(let route) = decision, route.shard < configuration.workers else {
                fatalError("a DISCOVER was not routed to a shard: \(decision)")
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ConfigHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
