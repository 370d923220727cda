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
        .library(name: "PortLeaseConfiguration", targets: ["PortLeaseConfiguration"]),
    ],
    targets: [
        // Every byte PortLease reads or writes on the network: DHCPv6 framing,
        // relay chains, DHCPv4-over-DHCPv6, DHCPv4 and option 159. No I/O, no Foundation.
        .target(name: "PortLeaseWire"),
        .testTarget(name: "PortLeaseWireTests", dependencies: ["PortLeaseWire"]),

        // The lock-free (IPv4 address, PSID) pool: port-set arithmetic, partitions, hints,
        // counters. Standard library and Synchronization only.
        .target(name: "PortSetPool"),
        .testTarget(name: "PortSetPoolTests", dependencies: ["PortSetPool"]),

        // CRC32C for the lease log: the SSE4.2 instruction when present, slicing-by-8 tables otherwise.
        .target(name: "CCRC32C"),
        // The durable write-ahead lease log: record format, group commit, recovery,
        // compaction, history archive and trace queries. Glibc syscalls, no Foundation.
        .target(name: "LeaseLog", dependencies: ["CCRC32C", "PortLeaseWire"]),
        // A child process for LeaseLogTests' crash test: appends and commits until SIGKILLed.
        .executableTarget(
            name: "leaselog-crashtest", dependencies: ["LeaseLog", "PortLeaseWire"], path: "Sources/LeaseLogCrashTest"),
        .testTarget(name: "LeaseLogTests", dependencies: ["LeaseLog", "PortLeaseWire", "leaselog-crashtest"]),

        // The per-shard server logic (RFC 2131 + RFC 7618 + RFC 7341): lease table, selection
        // order, expiry, limits, replies. No sockets, no threads, an injected clock.
        .target(name: "LeaseEngine", dependencies: ["PortLeaseWire", "PortSetPool", "LeaseLog"]),
        .testTarget(name: "LeaseEngineTests", dependencies: ["LeaseEngine", "PortLeaseWire", "PortSetPool", "LeaseLog"]),

        // The server's JSON configuration: parsing, validation that reports every problem with
        // its key path, and the mapping to the engine's and the log's types. Its own strict JSON
        // parser (repeated keys, exact numbers, line:column errors); Glibc only, no Foundation.
        .target(name: "PortLeaseConfiguration", dependencies: ["LeaseEngine", "PortLeaseWire", "PortSetPool", "LeaseLog"]),
        .testTarget(
            name: "PortLeaseConfigurationTests", dependencies: ["PortLeaseConfiguration", "LeaseEngine", "PortLeaseWire"]),
    ],
    swiftLanguageModes: [.v6]
)
