import Foundation

/// Kea 2.2 memfiles and PortLease configurations written by hand, for the import suites.
enum KeaFixture {
    static let header =
        "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context"

    /// One row as Kea 2.2 writes it, the lease running `3600` s and ending `expiresIn` s from now.
    static func row(
        _ address: String, hwaddr: String, clientID: String = "", expiresIn: Int = 1800, state: Int = 0,
        hostname: String = ""
    ) -> String {
        let expire = Int(Date().timeIntervalSince1970) + expiresIn
        return "\(address),\(hwaddr),\(clientID),3600,\(expire),1,0,0,\(hostname),\(state),"
    }

    /// A directory with `kea-leases4.csv` (the header, then `rows`) and `portlease.json`: full
    /// pool 203.0.113.0/30, shared pool 198.51.100.0/24, two workers, the log in `log/`,
    /// listening on `::1` at `port`.
    static func directory(rows: [String], port: UInt16 = 0) throws -> String {
        let directory = try CommandLineTests.temporaryDirectory()
        try ([header] + rows).joined(separator: "\n").appending("\n")
            .write(toFile: directory + "/kea-leases4.csv", atomically: true, encoding: .utf8)
        try """
        { "server-id": "192.0.2.1", "listen": { "addresses": ["::1"], "port": \(port) },
          "dhcp4o6-server-addresses": ["::1"], "workers": 2,
          "lease-log": { "directory": "\(directory)/log", "durability": "none" },
          "pools": [ { "name": "map", "addresses": ["198.51.100.0/24"], "shared": { "psid-length": 6 } },
                     { "name": "full", "addresses": ["203.0.113.0/30"] } ] }
        """.write(toFile: directory + "/portlease.json", atomically: true, encoding: .utf8)
        return directory
    }

    /// `portlease import kea-leases` on the directory's file and configuration.
    static func importLeases(_ directory: String, _ extra: [String] = [], file: String = "kea-leases4.csv") throws
        -> CommandLineTests.Result
    {
        try CommandLineTests.run(
            ["import", "kea-leases", directory + "/" + file, "--config", directory + "/portlease.json"] + extra)
    }

    /// Every file under `directory` with its bytes, to compare a log before and after.
    static func contents(of directory: String) -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let name = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = directory + "/" + name
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[name] = FileManager.default.contents(atPath: path)
            } else {
                files[name + "/"] = Data()
            }
        }
        return files
    }
}
