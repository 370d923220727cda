import PortLeaseWire

/// The DHCPv4 options a pool hands out besides the lease itself.
///
/// Encoded once, when the engine is built, into ready option bytes, so a reply
/// copies them with one `memcpy` each instead of re-encoding per packet. An option
/// is sent when the client's parameter request list (55) asks for it, or always
/// when its code is in `alwaysSend`.
public struct PoolOptions: Sendable, Hashable {
    public var subnetMask: IPv4Address?
    public var routers: [IPv4Address]
    public var domainNameServers: [IPv4Address]
    public var domainName: String?
    public var interfaceMTU: UInt16?
    /// Any other option, as code and raw value bytes.
    public var raw: [UInt8: [UInt8]]
    /// Codes sent even when the client did not ask for them.
    public var alwaysSend: Set<UInt8>

    public init(
        subnetMask: IPv4Address? = nil, routers: [IPv4Address] = [], domainNameServers: [IPv4Address] = [],
        domainName: String? = nil, interfaceMTU: UInt16? = nil, raw: [UInt8: [UInt8]] = [:],
        alwaysSend: Set<UInt8> = []
    ) {
        self.subnetMask = subnetMask
        self.routers = routers
        self.domainNameServers = domainNameServers
        self.domainName = domainName
        self.interfaceMTU = interfaceMTU
        self.raw = raw
        self.alwaysSend = alwaysSend
    }

    /// Each configured option as (code, encoded option bytes), in code order.
    func encoded() -> [(code: UInt8, bytes: [UInt8])] {
        var values: [UInt8: [UInt8]] = raw
        if let subnetMask { values[DHCPv4OptionCode.subnetMask.rawValue] = subnetMask.bytes }
        if !routers.isEmpty { values[DHCPv4OptionCode.routers.rawValue] = routers.flatMap(\.bytes) }
        if !domainNameServers.isEmpty {
            values[DHCPv4OptionCode.domainNameServers.rawValue] = domainNameServers.flatMap(\.bytes)
        }
        if let domainName { values[DHCPv4OptionCode.domainName.rawValue] = Array(domainName.utf8) }
        if let interfaceMTU {
            values[DHCPv4OptionCode.interfaceMTU.rawValue] = [UInt8(interfaceMTU >> 8), UInt8(interfaceMTU & 0xFF)]
        }
        return values.keys.sorted().map { code in
            let value = values[code]!
            var bytes: [UInt8] = []
            var offset = 0
            repeat {  // RFC 3396: values over 255 bytes travel as consecutive pieces
                let chunk = min(255, value.count - offset)
                bytes += [code, UInt8(chunk)] + value[offset..<(offset + chunk)]
                offset += chunk
            } while offset < value.count
            return (code, bytes)
        }
    }
}
