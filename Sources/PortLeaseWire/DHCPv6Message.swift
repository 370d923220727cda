/// A DHCPv6 client/server message as an owned value (type, transaction id or
/// 4o6 flags, options in order).
///
/// For building messages in tests and the load generator, for the CLI, and for
/// comparing messages; the receive path uses ``DHCPv6MessageView``.
public struct DHCPv6Message: Hashable, Sendable {
    /// One option as code and owned value bytes.
    public struct Option: Hashable, Sendable {
        public var code: DHCPv6OptionCode
        public var value: [UInt8]

        public init(_ code: DHCPv6OptionCode, _ value: [UInt8]) {
            self.code = code
            self.value = value
        }
    }

    public var type: DHCPv6MessageType
    /// The 24-bit transaction id, or the flags of a DHCPV4-QUERY/RESPONSE.
    public var transactionID: UInt32
    public var options: [Option]

    public init(type: DHCPv6MessageType, transactionID: UInt32, options: [Option]) {
        self.type = type
        self.transactionID = transactionID
        self.options = options
    }

    /// Copies a parsed message.
    public init(_ view: DHCPv6MessageView) {
        type = view.type
        transactionID = view.transactionID
        options = view.options.map { Option($0.code, Array($0.value)) }
    }

    /// The first option with `code`, or nil.
    public func option(_ code: DHCPv6OptionCode) -> [UInt8]? {
        options.first { $0.code == code }?.value
    }

    /// Writes the message.
    public func encode(into writer: inout ByteWriter) throws(WireError) {
        try writer.writeDHCPv6Header(type: type, transactionID: transactionID)
        for option in options { try writer.writeDHCPv6Option(option.code, bytes: option.value) }
    }

    /// The encoded bytes.
    public func encoded() -> [UInt8] {
        let size = DHCPv6MessageView.headerSize + options.reduce(0) { $0 + 4 + $1.value.count }
        return ByteWriter.array(capacity: size) { (writer) throws(WireError) in try encode(into: &writer) }
    }
}
