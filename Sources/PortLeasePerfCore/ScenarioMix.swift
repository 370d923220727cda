/// Several scenarios in one run, by weight: `dora:70,renew:20,info-request:10` starts 70% of
/// exchanges as DORAs, 20% as renewals and 10% as Information-Requests, interleaved evenly.
///
/// The order is fixed in advance (smooth weighted round robin over the total weight), so a
/// run is reproducible and picking the next scenario is one array read.
public struct ScenarioMix: Sendable, Equatable, CustomStringConvertible {
    /// Each scenario with its weight, in the order given.
    public let weights: [Scenario: Int]
    private let order: [Scenario]
    private let given: [Scenario]

    /// Parses `scenario:weight,...`; throws a message naming what is wrong.
    public init(parsing text: String) throws(MixError) {
        var weights: [Scenario: Int] = [:]
        var given: [Scenario] = []
        for part in text.split(separator: ",") {
            let fields = part.split(separator: ":")
            guard fields.count == 2, let scenario = Scenario(rawValue: String(fields[0])),
                let weight = Int(fields[1]), weight > 0
            else { throw MixError(message: "\"\(part)\" is not scenario:weight (a positive integer)") }
            guard scenario != .echo else { throw MixError(message: "echo cannot be mixed with DHCP scenarios") }
            guard weights[scenario] == nil else { throw MixError(message: "\(scenario.rawValue) is given twice") }
            weights[scenario] = weight
            given.append(scenario)
        }
        guard !given.isEmpty else { throw MixError(message: "an empty mix") }
        let total = weights.values.reduce(0, +)
        guard total <= 10_000 else { throw MixError(message: "weights add up to more than 10000") }
        self.weights = weights
        self.given = given
        var credit = given.map { _ in 0 }
        var order: [Scenario] = []
        order.reserveCapacity(total)
        for _ in 0..<total {
            for index in given.indices { credit[index] += weights[given[index]]! }
            let best = credit.indices.max { credit[$0] < credit[$1] }!
            credit[best] -= total
            order.append(given[best])
        }
        self.order = order
    }

    /// The scenario of exchange number `number`.
    public func scenario(at number: Int) -> Scenario { order[number % order.count] }

    /// Whether any mixed scenario needs leases obtained before measuring.
    public var needsLease: Bool { given.contains { $0.needsLease } }

    /// Round trips per exchange, averaged over the mix.
    public var roundTrips: Double {
        Double(given.reduce(0) { $0 + weights[$1]! * $1.roundTrips }) / Double(order.count)
    }

    public var description: String { given.map { "\($0.rawValue):\(weights[$0]!)" }.joined(separator: ",") }
}

/// A `--mix` value that does not parse.
public struct MixError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
