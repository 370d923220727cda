/// A DHCPv4 message (RFC 2131) read in place from option 87's value.
///
/// Parsing checks the 236-byte header, the magic cookie, hlen, and every option's
/// bounds (with option overload), and decodes once the options the server acts
/// on, checking their lengths: message type (53), client identifier (61),
/// requested address (50), server identifier (54), lease time (51), parameter
/// request list (55) and port parameters (159). Accessors afterwards cannot fail.
/// Other options are reachable raw through ``options``.
/// The view borrows the caller's memory: it is valid only while that buffer is.
public struct DHCPv4MessageView {
    /// Header plus magic cookie: the least a DHCP message can be.
    public static let minimumSize = DHCPv4Header.size + 4

    /// The whole message.
    public let bytes: UnsafeRawBufferPointer
    public let header: DHCPv4Header
    public let options: DHCPv4Options
    /// Option 53; nil for a plain BOOTP message, which the server ignores.
    public let messageType: DHCPv4MessageType?
    /// Option 61's value (type byte first); nil when absent.
    public let clientIdentifier: UnsafeRawBufferPointer?
    /// Option 50.
    public let requestedAddress: IPv4Address?
    /// Option 54.
    public let serverIdentifier: IPv4Address?
    /// Option 51, in seconds.
    public let leaseTime: UInt32?
    /// Option 55's value: the codes the client asks for; empty when absent.
    public let parameterRequestList: UnsafeRawBufferPointer
    /// Option 159, validated.
    public let portParams: PortParams?

    public init(parsing bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count >= Self.minimumSize else {
            throw .truncatedHeader(layer: .dhcpv4, needed: Self.minimumSize, available: bytes.count)
        }
        let cookie = bytes.readUInt32(at: DHCPv4Header.size)
        guard cookie == DHCPv4Header.magicCookie else { throw .badMagicCookie(cookie) }
        let header = DHCPv4Header(unchecked: bytes)
        guard header.hlen <= 16 else { throw .badHardwareAddressLength(header.hlen) }
        var messageType: DHCPv4MessageType?
        var clientIdentifier: UnsafeRawBufferPointer?
        var requestedAddress: IPv4Address?
        var serverIdentifier: IPv4Address?
        var leaseTime: UInt32?
        var parameterRequestList: UnsafeRawBufferPointer?
        var portParams: PortParams?
        let options = try DHCPv4Options(
            validatingMain: bytes.slice(Self.minimumSize, bytes.count - Self.minimumSize),
            file: bytes.slice(108, 128),
            sname: bytes.slice(44, 64),
            mainOffset: Self.minimumSize
        ) { (option) throws(WireError) in
            let value = option.value
            switch option.code {
            case .messageType where messageType == nil:
                try Self.expectLength(option, 1)
                messageType = DHCPv4MessageType(rawValue: value.readUInt8(at: 0))
            case .clientIdentifier where clientIdentifier == nil:
                guard value.count >= 2 else { throw Self.badLength(option) }
                clientIdentifier = value
            case .requestedAddress where requestedAddress == nil:
                try Self.expectLength(option, 4)
                requestedAddress = IPv4Address(value.readUInt32(at: 0))
            case .serverIdentifier where serverIdentifier == nil:
                try Self.expectLength(option, 4)
                serverIdentifier = IPv4Address(value.readUInt32(at: 0))
            case .leaseTime where leaseTime == nil:
                try Self.expectLength(option, 4)
                leaseTime = value.readUInt32(at: 0)
            case .parameterRequestList where parameterRequestList == nil:
                parameterRequestList = value
            case .portParams where portParams == nil:
                do throws(PortParamsError) {
                    portParams = try PortParams(wireValue: value)
                } catch {
                    throw .badPortParams(error)
                }
            default:
                break
            }
        }
        self.bytes = bytes
        self.header = header
        self.options = options
        self.messageType = messageType
        self.clientIdentifier = clientIdentifier
        self.requestedAddress = requestedAddress
        self.serverIdentifier = serverIdentifier
        self.leaseTime = leaseTime
        self.parameterRequestList = parameterRequestList ?? DHCPv4Options.none
        self.portParams = portParams
    }

    private static func badLength(_ option: DHCPv4Option) -> WireError {
        .badOptionLength(layer: .dhcpv4, code: UInt16(option.code.rawValue), length: option.value.count)
    }

    private static func expectLength(_ option: DHCPv4Option, _ length: Int) throws(WireError) {
        guard option.value.count == length else { throw badLength(option) }
    }

    /// The `sname` field (64 bytes; holds options when overloaded).
    public var serverName: UnsafeRawBufferPointer { bytes.slice(44, 64) }
    /// The `file` field (128 bytes; holds options when overloaded).
    public var bootFileName: UnsafeRawBufferPointer { bytes.slice(108, 128) }

    /// True when option 55 lists `code`. RFC 7618 makes option 159 conditional on this.
    public func requests(_ code: DHCPv4OptionCode) -> Bool {
        parameterRequestList.contains(code.rawValue)
    }

    /// The client's identity: option 61 when present, else htype and chaddr;
    /// nil when there is neither (no option 61 and hlen 0).
    public var clientKey: ClientKey? {
        if let clientIdentifier { return ClientKey(kind: .clientIdentifier, bytes: clientIdentifier) }
        guard header.hlen > 0 else { return nil }
        return ClientKey(hardwareType: header.htype, address: bytes.slice(28, Int(header.hlen)))
    }

    /// ``ClientKey/stableHash`` of ``clientKey``, computed in place without
    /// building the key: what the receive path uses to choose a shard.
    public var clientKeyHash: UInt64? {
        if let clientIdentifier { return ClientKey.stableHash(kind: .clientIdentifier, prefix: nil, clientIdentifier) }
        guard header.hlen > 0 else { return nil }
        return ClientKey.stableHash(kind: .hardwareAddress, prefix: header.htype, bytes.slice(28, Int(header.hlen)))
    }
}
