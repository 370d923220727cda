// swift-tools-version: 6.1
//
// PortLease micro-benchmarks (ordo-one/benchmark). A nested package, so the root
// `swift build` / `swift test` never compile the benchmark toolchain.
// Run: cd Benchmarks && swift package benchmark

import PackageDescription

let package = Package(
    name: "PortLeaseBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "PortLease", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // The same versions the root package resolves; HistoryBench uses their types directly.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "WireCodec",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "PortLeaseWire", package: "PortLease"),
            ],
            path: "Benchmarks/WireCodec",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "LeaseLogWrite",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LeaseLog", package: "PortLease"),
                .product(name: "PortLeaseWire", package: "PortLease"),
            ],
            path: "Benchmarks/LeaseLogWrite",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "PoolAllocation",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "PortSetPool", package: "PortLease"),
            ],
            path: "Benchmarks/PoolAllocation",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "LeaseEngineExchange",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LeaseEngine", package: "PortLease"),
                .product(name: "LeaseLog", package: "PortLease"),
                .product(name: "PortLeaseWire", package: "PortLease"),
                .product(name: "PortSetPool", package: "PortLease"),
            ],
            path: "Benchmarks/LeaseEngineExchange",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Not a benchmark: writes an ISP-sized lease log (N live leases, in shards) through the
        // real LeaseLog API, for timing `portlease leases` and trace queries. See RESULTS.md.
        // What the two log generators share: a seeded generator and command-line parsing.
        .target(name: "GeneratorSupport", path: "GeneratorSupport"),
        .executableTarget(
            name: "LeaseLogGenerator",
            dependencies: [
                "GeneratorSupport",
                .product(name: "LeaseLog", package: "PortLease"),
                .product(name: "PortLeaseWire", package: "PortLease"),
            ],
            path: "LeaseLogGenerator"
        ),
        // Not a benchmark: simulates months of one shard's lease log (renewals at T1, churn,
        // compaction and retention) with an injected clock, then times recovery and trace
        // queries over it (issue 11). See HistoryGenerator/README.md and RESULTS.md.
        .executableTarget(
            name: "HistoryGenerator",
            dependencies: [
                "GeneratorSupport",
                .product(name: "LeaseLog", package: "PortLease"),
                .product(name: "PortLeaseWire", package: "PortLease"),
            ],
            path: "HistoryGenerator"
        ),
        // Not a benchmark: ships HistoryGenerator's shard logs into PostgreSQL through the real
        // HistoryShipper and times HistoryQuery over them (issue 15). See history-trace.sh and
        // history-results.md.
        .executableTarget(
            name: "HistoryBench",
            dependencies: [
                "GeneratorSupport",
                .product(name: "PortLeaseHistory", package: "PortLease"),
                .product(name: "LeaseLog", package: "PortLease"),
                .product(name: "PortLeaseWire", package: "PortLease"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "HistoryBench"
        ),
    ],
    swiftLanguageModes: [.v6]
)
