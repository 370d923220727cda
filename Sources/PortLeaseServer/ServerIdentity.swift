import LeaseLog
import PortLeaseSystem
import PortLeaseWire

/// The server's DHCPv6 DUID (option 2 in Replies to Information-Request).
///
/// Taken from the configuration when given; otherwise a DUID-UUID (RFC 6355,
/// type 4) generated once and kept in the lease-log directory, so it survives
/// restarts as RFC 8415 section 11 asks of a DUID. The file is written the way the
/// lease log writes its files (`SystemFileSystem.writeAtomically`: temporary file, `fdatasync`,
/// rename, `fsync` of the directory), so a power loss leaves no file or a whole one,
/// never an empty DUID that would change the server's identity on the next start.
public enum ServerIdentity {
    /// The file, under the lease-log directory, holding the generated DUID in hex.
    public static let fileName = "server-duid"

    /// The configured DUID, else the stored one, else a new DUID-UUID, stored first.
    public static func duid(configured: [UInt8]?, stateDirectory: String) throws(ServerError) -> [UInt8] {
        if let configured { return configured }
        let path = stateDirectory + "/" + fileName
        if let bytes = try? Files.readAll(path, maximumSize: 4096),
            let stored = HexBytes.parse(String(decoding: bytes, as: UTF8.self).trimmingASCIIWhitespace()),
            stored.count >= 3
        {
            return stored
        }
        var duid: [UInt8] = [0x00, 0x04]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<16 { duid.append(UInt8.random(in: 0...255, using: &generator)) }
        duid[2 + 6] = duid[2 + 6] & 0x0F | 0x40  // UUID version 4
        duid[2 + 8] = duid[2 + 8] & 0x3F | 0x80  // RFC 4122 variant
        let text = Array((HexBytes.text(duid) + "\n").utf8)
        do {
            try Files.createDirectory(stateDirectory, intermediates: true)
            try text.withUnsafeBytes { bytes in
                Result { () throws(LeaseLogError) in
                    try SystemFileSystem().writeAtomically(bytes, to: path, directory: stateDirectory, sync: true)
                }
            }.get()
        } catch {
            throw .leaseLog("cannot store the server DUID in \(path): \(error)")
        }
        return duid
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line ends.
    fileprivate func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
