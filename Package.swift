// swift-tools-version: 6.1
//
// PortLease: a DHCPv4-over-DHCPv6 (RFC 7341) server that leases shared IPv4
// addresses with port sets (RFC 7618). See README.md and ARCHITECTURE.md.

import PackageDescription

let package = Package(
    name: "PortLease",
    products: [
        .library(name: "PortLeaseWire", targets: ["PortLeaseWire"]),
        .library(name: "PortSetPool", targets: ["PortSetPool"]),
        .library(name: "LeaseLog", targets: ["LeaseLog"]),
        .library(name: "LeaseEngine", targets: ["LeaseEngine"]),
        .library(name: "PortLeaseTransport", targets: ["PortLeaseTransport"]),
        .library(name: "PortLeaseConfiguration", targets: ["PortLeaseConfiguration"]),
        .library(name: "PortLeaseServer", targets: ["PortLeaseServer"]),
        .library(name: "PortLeaseHistory", targets: ["PortLeaseHistory"]),
        .executable(name: "portlease", targets: ["portlease"]),
        .library(name: "PortLeasePerfCore", targets: ["PortLeasePerfCore"]),
        .executable(name: "portlease-perf", targets: ["PortLeasePerf"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // Every byte PortLease reads or writes on the network: DHCPv6 framing,
        // relay chains, DHCPv4-over-DHCPv6, DHCPv4 and option 159. No I/O, no Foundation.
        .target(name: "PortLeaseWire"),
        .testTarget(name: "PortLeaseWireTests", dependencies: ["PortLeaseWire", "PortLeaseTestSupport"]),

        // The lock-free (IPv4 address, PSID) pool: port-set arithmetic, partitions, hints,
        // counters. Standard library and Synchronization only.
        .target(name: "PortSetPool"),
        .testTarget(name: "PortSetPoolTests", dependencies: ["PortSetPool", "PortLeaseTestSupport"]),

        // The one system layer: every system call the other modules make, over swift-system's
        // FileDescriptor and Errno, with one error type (SystemCallError), one clock, one wake-up.
        .target(
            name: "PortLeaseSystem",
            dependencies: ["CURing", .product(name: "SystemPackage", package: "swift-system")]),
        .testTarget(name: "PortLeaseSystemTests", dependencies: ["PortLeaseSystem"]),

        // CRC32C for the lease log: the SSE4.2 instruction when present, slicing-by-8 tables otherwise.
        .target(name: "CCRC32C"),
        // The durable write-ahead lease log: record format, group commit, recovery,
        // compaction, history archive and trace queries. Glibc syscalls, no Foundation.
        .target(
            name: "LeaseLog",
            dependencies: [
                "CCRC32C", "PortLeaseWire", "PortSetPool", "PortLeaseSystem",
                .product(name: "SystemPackage", package: "swift-system"),
            ]),
        // A child process for LeaseLogTests' crash test: appends and commits until SIGKILLed.
        .executableTarget(
            name: "leaselog-crashtest", dependencies: ["LeaseLog", "PortLeaseWire"], path: "Sources/LeaseLogCrashTest"),
        .testTarget(
            name: "LeaseLogTests",
            dependencies: ["LeaseLog", "PortLeaseWire", "leaselog-crashtest", "PortLeaseTestSupport"]),

        // The per-shard server logic (RFC 2131 + RFC 7618 + RFC 7341): lease table, selection
        // order, expiry, limits, replies. No sockets, no threads, an injected clock.
        .target(name: "LeaseEngine", dependencies: ["PortLeaseWire", "PortSetPool", "LeaseLog"]),
        .testTarget(
            name: "LeaseEngineTests",
            dependencies: ["LeaseEngine", "PortLeaseWire", "PortSetPool", "LeaseLog", "PortLeaseTestSupport"]),

        // The C surface of liburing (apt package liburing-dev): flag macros, CMSG arithmetic,
        // sockaddr_in6 byte order. No system calls of its own.
        .target(name: "CURing", cSettings: [.define("_GNU_SOURCE")], linkerSettings: [.linkedLibrary("uring")]),
        // IPv6 UDP sockets and the io_uring loops: multishot recvmsg into a provided-buffer ring,
        // batched sendmsg. See Docs/Transport.md.
        .target(
            name: "PortLeaseTransport",
            dependencies: [
                "CURing", "PortLeaseWire", "PortLeaseSystem", .product(name: "SystemPackage", package: "swift-system"),
            ]),
        .testTarget(
            name: "PortLeaseTransportTests", dependencies: ["PortLeaseTransport", "PortLeaseWire", "PortLeaseSystem"]),

        // The daemon's core: classifier, bounded shard queues, shard workers (engine +
        // group commit), metrics, lifecycle. Sockets come from PortLeaseTransport.
        .target(
            name: "PortLeaseServer",
            dependencies: [
                "PortLeaseWire", "PortSetPool", "LeaseLog", "LeaseEngine", "PortLeaseTransport", "PortLeaseSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "PortLeaseServerTests",
            dependencies: [
                "PortLeaseServer", "PortLeaseTransport", "PortLeaseWire", "LeaseEngine", "LeaseLog", "PortSetPool",
                "PortLeaseTestSupport",
            ]),

        // The server's JSON configuration: parsing, validation that reports every problem with
        // its key path, and the mapping to the engine's and the log's types. Its own strict JSON
        // parser (repeated keys, exact numbers, line:column errors); Glibc only, no Foundation.
        .target(
            name: "PortLeaseConfiguration",
            dependencies: ["LeaseEngine", "PortLeaseWire", "PortSetPool", "LeaseLog", "PortLeaseSystem"]),
        .testTarget(
            name: "PortLeaseConfigurationTests",
            dependencies: ["PortLeaseConfiguration", "LeaseEngine", "PortLeaseWire"]),

        // Migration: reads an ISC Kea DHCPv4 memfile (kea-leases4.csv), decides which of its
        // leases become PortLease leases and writes them into a stopped server's lease log.
        .target(
            name: "PortLeaseImport",
            dependencies: ["PortLeaseWire", "LeaseLog", "LeaseEngine", "PortLeaseServer", "PortLeaseSystem"]),
        .testTarget(
            name: "PortLeaseImportTests",
            dependencies: ["PortLeaseImport", "PortLeaseWire", "LeaseLog", "LeaseEngine", "PortLeaseServer"]),

        // The control plane's one low-priority event loop (nice 10) and a Swift task executor on
        // it, shared by the control API, history shipping and replication, and the TLS identity
        // (PEM files) the control API and replication both read.
        .target(
            name: "PortLeaseControlPlane",
            dependencies: [
                "PortLeaseSystem", .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),

        // The control API (issue 14): HTTP/JSON on a UNIX socket, described by Docs/openapi.json,
        // over Hummingbird. Reads what the server publishes; never on the packet path. Kept out of
        // PortLeaseServer so the data plane (and the fuzzing builds) do not link SwiftNIO.
        .target(
            name: "PortLeaseControl",
            dependencies: [
                "PortLeaseServer", "PortLeaseSystem", "LeaseEngine", "PortLeaseWire", "PortSetPool",
                "PortLeaseConfiguration", "PortLeaseControlPlane",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // History leaving the machine (issue 15): each shard's holdings, as the log's records open
        // and end them, shipped exactly once to PostgreSQL (postgres-nio) and as RFC 5424 syslog
        // events; the schema and its migrations; trace and export queries over every instance.
        // Async Swift on its own event loop at nice 10, never on the packet path.
        .target(
            name: "PortLeaseHistory",
            dependencies: [
                "LeaseLog", "PortLeaseWire", "PortSetPool", "PortLeaseSystem", "PortLeaseControlPlane",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "PortLeaseHistoryTests",
            dependencies: [
                "PortLeaseHistory", "LeaseLog", "PortLeaseWire", "PortLeaseTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Hot standby (issue 16): committed lease records streamed from a pool group's active to
        // its standby over mutual TLS, applied and logged there, and the standby's takeover when
        // the active falls silent. Async Swift on the control plane's event loop.
        .target(
            name: "PortLeaseReplication",
            dependencies: [
                "LeaseLog", "LeaseEngine", "PortLeaseServer", "PortLeaseWire", "PortLeaseSystem",
                "PortLeaseConfiguration", "PortLeaseControlPlane",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "PortLeaseReplicationTests",
            dependencies: ["PortLeaseReplication", "LeaseLog", "PortLeaseWire", "PortLeaseTestSupport"]),

        // Helpers the test suites share (a seeded generator, a fault-injecting file system).
        // Not a product: nothing outside the tests links it.
        .target(name: "PortLeaseTestSupport", dependencies: ["LeaseLog"]),

        // The command line: serve, check-config, leases, trace, client, import, export.
        .executableTarget(
            name: "portlease",
            dependencies: [
                "PortLeaseServer", "PortLeaseConfiguration", "LeaseEngine", "LeaseLog", "PortLeaseWire",
                "PortLeaseSystem", "PortLeaseImport", "PortSetPool", "PortLeaseControl", "PortLeaseHistory",
                "PortLeaseReplication",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "portleaseTests", dependencies: ["portlease", "PortLeasePerf", "PortLeaseWire", "PortLeaseTestSupport"]),

        // The load generator's logic: simulated subscribers and their scenario state machines,
        // query building, reply checking, lease uniqueness, rate control, the io_uring driver,
        // the echo responder and the report. Wire and transport come from the modules above.
        .target(
            name: "PortLeasePerfCore",
            dependencies: [
                "PortLeaseWire", "PortLeaseTransport", "PortLeaseSystem",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]),
        .testTarget(
            name: "PortLeasePerfCoreTests",
            dependencies: [
                "PortLeasePerfCore", "PortLeaseWire", "PortLeaseTransport", "PortLeaseServer", "LeaseEngine",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // portlease-perf: the command line over PortLeasePerfCore (run, echo).
        .executableTarget(
            name: "PortLeasePerf",
            dependencies: [
                "PortLeasePerfCore", "PortLeaseWire", "PortLeaseTransport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)

// Coverage-guided fuzzing (Fuzz/README.md): libFuzzer harnesses, only in the package when
// PORTLEASE_FUZZ is set, since they link only with -sanitize=fuzzer. Built by scripts/fuzz.
if Context.environment["PORTLEASE_FUZZ"] != nil {
    let harnesses: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzDatagram", ["PortLeaseServer"]),
        ("FuzzWire", ["PortLeaseServer", "PortLeaseWire"]),
        ("FuzzEngine", []),
        ("FuzzConfig", ["PortLeaseConfiguration", "LeaseEngine", "PortLeaseServer", "PortLeaseWire", "PortSetPool"]),
        ("FuzzLeaseLog", ["LeaseLog", "CCRC32C", "PortLeaseSystem", "PortLeaseWire"]),
    ]
    package.targets.append(
        .target(
            name: "PortLeaseFuzzSupport",
            dependencies: ["PortLeaseServer", "LeaseEngine", "LeaseLog", "PortLeaseWire", "PortSetPool"],
            path: "Fuzz/Support"))
    for harness in harnesses {
        package.targets.append(
            .executableTarget(
                name: harness.name, dependencies: ["PortLeaseFuzzSupport"] + harness.dependencies,
                path: "Fuzz/\(harness.name)"))
        package.products.append(.executable(name: harness.name, targets: [harness.name]))
    }
    // The configuration parser builds every pool it accepts, and the engine harnesses build
    // fresh pools for every input: with each comparison traced, setting up a pool's bitmaps
    // took most of their time. PortSetPool keeps edge counters and AddressSanitizer, and
    // does without comparison tracing.
    for target in package.targets where target.name == "PortSetPool" {
        target.swiftSettings =
            (target.swiftSettings ?? []) + [.unsafeFlags(["-sanitize-coverage=edge,inline-8bit-counters,pc-table"])]
    }
}
