/// RFC 7597 section 5.1 port-set arithmetic, the one question the log needs answered:
/// does the port set (offset a, PSID length k, PSID p) contain port P?
///
/// With m = 16 - a - k the ports of p are `(j << (16 - a)) | (p << m) | i` for i in 0 ..< 2^m,
/// j in 1 ..< 2^a when a > 0 (j = 0 when a = 0). So P belongs to PSID `(P >> m) & (2^k - 1)`,
/// except that with a > 0 the ports with j = 0 (below 2^(16-a)) belong to no PSID. k = 0 is a
/// whole address. Kept private to the log (the pool has its own) so neither depends on the other.
enum PortSetMath {
    static func contains(port: UInt16, psid: UInt16, psidLength k: UInt8, offset a: UInt8) -> Bool {
        if k == 0 { return true }
        let m = 16 - Int(a) - Int(k)
        guard m >= 0 else { return false }
        if a > 0 && Int(port) >> (16 - Int(a)) == 0 { return false }
        let mask = (1 << Int(k)) - 1
        return (Int(port) >> m) & mask == Int(psid)
    }
}
