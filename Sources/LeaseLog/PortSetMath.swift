import PortSetPool

/// RFC 7597 section 5.1 port-set arithmetic, the one question the log needs answered:
/// does the port set (offset a, PSID length k, PSID p) contain port P?
///
/// With m = 16 - a - k the ports of p are `(j << (16 - a)) | (p << m) | i` for i in 0 ..< 2^m,
/// j in 1 ..< 2^a when a > 0 (j = 0 when a = 0). So P belongs to PSID `(P >> m) & (2^k - 1)`,
/// except that with a > 0 the ports with j = 0 (below 2^(16-a)) belong to no PSID. k = 0 is a
/// whole address. The arithmetic is the pool's (`PSIDLayout`); this only adds the full-address case.
enum PortSetMath {
    static func contains(port: UInt16, psid: UInt16, psidLength k: UInt8, offset a: UInt8) -> Bool {
        if k == 0 { return true }
        guard let layout = try? PSIDLayout(offset: Int(a), length: Int(k)) else { return false }
        return layout.psid(containing: port) == Int(psid)
    }
}
