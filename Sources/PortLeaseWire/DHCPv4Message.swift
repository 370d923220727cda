/// A DHCPv4 message as an owned value: the literal layout, options in order.
///
/// For building requests in tests and the load generator, for the CLI, and for
/// comparing messages. The receive path uses ``DHCPv4MessageView`` instead (no
/// copy, no allocation). `options` are the main area's options in wire order,
/// without pads and the end option; with option overload, the overloaded
/// options stay inside `serverName`/`bootFileName` bytes, so that
/// decode(encode(m)) == m holds for every message whose option values are at
/// most 255 bytes.
public struct DHCPv4Message: Hashable, Sendable {
    /// One option as code and owned value bytes.
    public struct Option: Hashable, Sendable {
        public var code: DHCPv4OptionCode
        public var value: [UInt8]

        public init(_ code: DHCPv4OptionCode, _ value: [UInt8]) {
            self.code = code
            self.value = value
        }
    }

    public var header: DHCPv4Header
    /// The 64-byte `sname` field.
    public var serverName: [UInt8]
    /// The 128-byte `file` field.
    public var bootFileName: [UInt8]
    public var options: [Option]

    public init(
        header: DHCPv4Header,
        serverName: [UInt8] = Array(repeating: 0, count: 64),
        bootFileName: [UInt8] = Array(repeating: 0, count: 128),
        options: [Option]
    ) {
        self.header = header
        self.serverName = serverName
        self.bootFileName = bootFileName
        self.options = options
    }

    /// Copies a parsed message.
    public init(_ view: DHCPv4MessageView) {
        header = view.header
        serverName = Array(view.serverName)
        bootFileName = Array(view.bootFileName)
        options = view.options.mainAreaOnly.map { Option($0.code, Array($0.value)) }
    }

    /// Parses `bytes` and copies the result.
    public init(decoding bytes: [UInt8]) throws(WireError) {
        var result: Result<DHCPv4Message, WireError> = .failure(.missingDHCPv4Message)
        bytes.withUnsafeBytes { raw in
            do throws(WireError) {
                result = .success(DHCPv4Message(try DHCPv4MessageView(parsing: raw)))
            } catch {
                result = .failure(error)
            }
        }
        self = try result.get()
    }

    /// The first option with `code`, or nil.
    public func option(_ code: DHCPv4OptionCode) -> [UInt8]? {
        options.first { $0.code == code }?.value
    }

    /// The message type (option 53), if present and well-formed.
    public var messageType: DHCPv4MessageType? {
        guard let value = option(.messageType), value.count == 1 else { return nil }
        return DHCPv4MessageType(rawValue: value[0])
    }

    /// Writes the message: header, cookie, options, end.
    public func encode(into writer: inout ByteWriter) throws(WireError) {
        var result: Result<Void, WireError> = .success(())
        serverName.withUnsafeBytes { sname in
            bootFileName.withUnsafeBytes { file in
                do throws(WireError) {
                    try writer.writeDHCPv4Header(header, sname: sname, file: file)
                } catch {
                    result = .failure(error)
                }
            }
        }
        try result.get()
        for option in options { try writer.writeDHCPv4Option(option.code, bytes: option.value) }
        try writer.writeDHCPv4End()
    }

    /// The encoded bytes.
    public func encoded() -> [UInt8] {
        let size =
            DHCPv4MessageView.minimumSize + 1
            + options.reduce(0) { $0 + 2 * ($1.value.count / 255 + 1) + $1.value.count }
        return ByteWriter.array(capacity: size) { (writer) throws(WireError) in try encode(into: &writer) }
    }
}
