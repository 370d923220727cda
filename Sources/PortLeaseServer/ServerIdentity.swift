import Foundation
import PortLeaseWire

/// The server's DHCPv6 DUID (option 2 in Replies to Information-Request).
///
/// Taken from the configuration when given; otherwise a DUID-UUID (RFC 6355,
/// type 4) generated once and kept in the lease-log directory, so it survives
/// restarts as RFC 8415 section 11 asks of a DUID.
public enum ServerIdentity {
    /// The file, under the lease-log directory, holding the generated DUID in hex.
    public static let fileName = "server-duid"

    public static func duid(configured: [UInt8]?, stateDirectory: String) throws(ServerError) -> [UInt8] {
        if let configured { return configured }
        let path = stateDirectory + "/" + fileName
        if let text = try? String(contentsOfFile: path, encoding: .utf8),
            let stored = HexBytes.parse(text.trimmingCharacters(in: .whitespacesAndNewlines)), stored.count >= 3
        {
            return stored
        }
        var duid: [UInt8] = [0x00, 0x04]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<16 { duid.append(UInt8.random(in: 0...255, using: &generator)) }
        duid[2 + 6] = duid[2 + 6] & 0x0F | 0x40  // UUID version 4
        duid[2 + 8] = duid[2 + 8] & 0x3F | 0x80  // RFC 4122 variant
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
            try (HexBytes.text(duid) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw .leaseLog("cannot store the server DUID in \(path): \(error.localizedDescription)")
        }
        return duid
    }
}
