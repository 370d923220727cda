/// One Relay-forward or Relay-reply message read in place (RFC 8415 section 9).
///
/// Layout: `msg-type | hop-count | link-address (16) | peer-address (16) | options`.
/// Parsing finds, in one pass, the relayed message (option 9, exactly one) and the
/// relay identity options the server uses for pool selection, per-site limits and
/// traceability: Interface-ID (18), Remote-ID (37), Subscriber-ID (38) and the
/// Relay Source Port (135, RFC 8357).
/// The view borrows the caller's memory: it is valid only while that buffer is.
public struct RelayMessageView {
    /// Size of the fixed header.
    public static let headerSize = 34

    /// The whole relay message.
    public let bytes: UnsafeRawBufferPointer
    public let type: DHCPv6MessageType
    public let hopCount: UInt8
    /// The link the client is on, as the relay saw it (used to select a pool).
    public let linkAddress: IPv6Address
    /// The address of the client or the next relay down the chain.
    public let peerAddress: IPv6Address
    public let options: DHCPv6Options
    /// The encapsulated message (option 9's value).
    public let relayedMessage: UnsafeRawBufferPointer
    /// Interface-ID (18), which the Relay-reply must echo; nil when absent.
    public let interfaceID: UnsafeRawBufferPointer?
    /// Remote-ID (37): 4-byte enterprise number then the remote id; nil when absent.
    public let remoteID: UnsafeRawBufferPointer?
    /// Subscriber-ID (38); nil when absent.
    public let subscriberID: UnsafeRawBufferPointer?
    /// The relay's downstream UDP source port from option 135 (RFC 8357); nil when absent.
    public let relaySourcePort: UInt16?

    /// What parsing a level finds besides its fixed header: kept by ``RelayChain``,
    /// which rebuilds the view from it instead of walking the options again.
    struct Parts {
        var relayedMessage: UnsafeRawBufferPointer
        var interfaceID: UnsafeRawBufferPointer?
        var remoteID: UnsafeRawBufferPointer?
        var subscriberID: UnsafeRawBufferPointer?
        var relaySourcePort: UInt16?
    }

    /// Parses one relay level. Throws for a truncated header, a non-relay type,
    /// malformed options, a missing or repeated option 9, a Remote-ID shorter than
    /// its enterprise number, or a Relay Source Port option whose length is not 2.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(WireError) {
        self.init(validated: bytes, try Self.parts(of: bytes))
    }

    /// Validates one relay level and finds its options (see ``init(parsing:)``),
    /// without building the view.
    static func parts(of bytes: UnsafeRawBufferPointer) throws(WireError) -> Parts {
        guard bytes.count >= Self.headerSize else {
            throw .truncatedHeader(layer: .relay, needed: Self.headerSize, available: bytes.count)
        }
        let type = DHCPv6MessageType(rawValue: bytes.readUInt8(at: 0))
        guard type.isRelay else { throw .unexpectedMessageType(layer: .relay, type: type.rawValue) }
        let hopCount = bytes.readUInt8(at: 1)
        var relayed: UnsafeRawBufferPointer?
        var interfaceID: UnsafeRawBufferPointer?
        var remoteID: UnsafeRawBufferPointer?
        var subscriberID: UnsafeRawBufferPointer?
        var sourcePort: UInt16?
        _ = try DHCPv6Options(validating: bytes.slice(34, bytes.count - 34), layer: .relay) {
            (option) throws(WireError) in
            switch option.code {
            case .relayMessage:
                guard relayed == nil else { throw .duplicateRelayMessage(hopCount: hopCount) }
                relayed = option.value
            case .interfaceID:
                interfaceID = interfaceID ?? option.value
            case .remoteID:
                guard option.value.count >= 4 else {
                    throw .badOptionLength(layer: .relay, code: option.code.rawValue, length: option.value.count)
                }
                remoteID = remoteID ?? option.value
            case .subscriberID:
                subscriberID = subscriberID ?? option.value
            case .relaySourcePort:
                guard option.value.count == 2 else {
                    throw .badOptionLength(layer: .relay, code: option.code.rawValue, length: option.value.count)
                }
                sourcePort = sourcePort ?? option.value.readUInt16(at: 0)
            default:
                break
            }
        }
        guard let relayed else { throw .missingRelayMessage(hopCount: hopCount) }
        return Parts(
            relayedMessage: relayed, interfaceID: interfaceID, remoteID: remoteID, subscriberID: subscriberID,
            relaySourcePort: sourcePort)
    }

    /// A level whose `bytes` parsed into `parts` before.
    init(validated bytes: UnsafeRawBufferPointer, _ parts: Parts) {
        self.bytes = bytes
        type = DHCPv6MessageType(rawValue: bytes.readUInt8(at: 0))
        hopCount = bytes.readUInt8(at: 1)
        linkAddress = IPv6Address(networkBytes: bytes, at: 2)
        peerAddress = IPv6Address(networkBytes: bytes, at: 18)
        options = DHCPv6Options(unchecked: bytes.slice(Self.headerSize, bytes.count - Self.headerSize))
        relayedMessage = parts.relayedMessage
        interfaceID = parts.interfaceID
        remoteID = parts.remoteID
        subscriberID = parts.subscriberID
        relaySourcePort = parts.relaySourcePort
    }

    /// The enterprise number of the Remote-ID option, if present.
    public var remoteIDEnterpriseNumber: UInt32? {
        remoteID.map { $0.readUInt32(at: 0) }
    }
}
