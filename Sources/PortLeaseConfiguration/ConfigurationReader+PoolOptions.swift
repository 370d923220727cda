import LeaseEngine
import PortLeaseWire

/// A pool's `options`: the named DHCPv4 options, raw ones, and which are always sent.
extension ConfigurationReader {
    static let optionKeys = [
        "subnet-mask", "routers", "domain-name-servers", "domain-name", "interface-mtu", "always-send", "raw",
    ]
    static let rawOptionKeys = ["code", "hex", "text"]

    /// The named options and their codes (also accepted by name in `always-send`).
    static let namedOptions: [(name: String, code: UInt8)] = [
        ("subnet-mask", DHCPv4OptionCode.subnetMask.rawValue), ("routers", DHCPv4OptionCode.routers.rawValue),
        ("domain-name-servers", DHCPv4OptionCode.domainNameServers.rawValue),
        ("domain-name", DHCPv4OptionCode.domainName.rawValue),
        ("interface-mtu", DHCPv4OptionCode.interfaceMTU.rawValue),
    ]

    /// Codes the engine writes or interprets itself (lease, message and PortParams
    /// options); a raw value for one of them would contradict the engine's.
    static let engineOptionCodes: Set<UInt8> = Set(
        [
            DHCPv4OptionCode.requestedAddress, .leaseTime, .optionOverload, .messageType, .serverIdentifier,
            .parameterRequestList, .message, .maximumMessageSize, .renewalTime, .rebindingTime, .clientIdentifier,
            .portParams,
        ].map(\.rawValue))

    /// A raw option value is at most this long; longer values are split into RFC 3396 pieces
    /// when sent, but a reply must still fit in one DHCPv4 message.
    static let maximumRawOptionLength = 1024

    func poolOptions(_ object: JSONObject) -> PoolOptions {
        var options = PoolOptions()
        options.subnetMask = object.read("subnet-mask", subnetMask)
        options.routers = object.list("routers") { ipv4($0, at: $1) } ?? []
        options.domainNameServers = object.list("domain-name-servers") { ipv4($0, at: $1) } ?? []
        options.domainName = object.read("domain-name", domainName)
        options.interfaceMTU = object.integer("interface-mtu", in: 68...65535).map { UInt16($0) }
        if let raw = object.list("raw", element: rawOption) {
            let rawPath = object.path("raw")
            for (index, option) in raw.enumerated() {
                if options.raw[option.code] != nil {
                    report(Self.path(rawPath, index: index) + ".code", "option \(option.code) is already given")
                }
                options.raw[option.code] = option.value
            }
        }
        let configured = Set(options.raw.keys).union(
            Self.namedOptions.filter { object[$0.name] != nil }.map(\.code))
        if let codes = object.list("always-send", element: optionCode) {
            let path = object.path("always-send")
            for (index, code) in codes.enumerated() where !configured.contains(code) {
                report(
                    Self.path(path, index: index),
                    "option \(code) is not configured in this pool, so there is nothing to send")
            }
            options.alwaysSend = Set(codes)
        }
        return options
    }

    /// A netmask: contiguous one bits, then zeros.
    private func subnetMask(_ value: JSONValue, at path: String) -> IPv4Address? {
        guard let mask = ipv4(value, at: path) else { return nil }
        guard (~mask.value &+ 1) & ~mask.value == 0 else {
            report(path, "\(mask) is not a netmask (one bits followed by zero bits, such as 255.255.255.0)")
            return nil
        }
        return mask
    }

    /// A DNS domain: 1 to 255 bytes of letters, digits, `-`, `_` and `.`.
    private func domainName(_ value: JSONValue, at path: String) -> String? {
        guard let name = string(value, at: path) else { return nil }
        guard (1...255).contains(name.utf8.count), Self.isPlainName(name) else {
            report(path, "\"\(name)\" is not a domain name (letters, digits, '-', '.'; at most 255 characters)")
            return nil
        }
        return name
    }

    /// `always-send` entry: a code (1...254) or the name of a named option.
    private func optionCode(_ value: JSONValue, at path: String) -> UInt8? {
        if case .number = value { return integer(value, at: path, in: 1...254).map { UInt8($0) } }
        guard let name = string(value, at: path) else { return nil }
        let names = Self.namedOptions.map(\.name)
        guard let code = Self.namedOptions.first(where: { $0.name == name })?.code else {
            report(
                path,
                "\"\(name)\" is not an option code or one of \(names.map { "\"\($0)\"" }.joined(separator: ", "))"
                    + KeySuggestion.hint(for: name, among: names))
            return nil
        }
        return code
    }

    /// `raw` entry: `{ "code": 252, "hex": "..." }` or `{ "code": 252, "text": "..." }`.
    private func rawOption(_ value: JSONValue, at path: String) -> (code: UInt8, value: [UInt8])? {
        guard let object = object(value, at: path, keys: Self.rawOptionKeys) else { return nil }
        let code: UInt8? = object.required("code", "the option code, 1...254").flatMap { value in
            let codePath = object.path("code")
            guard let number = integer(value, at: codePath, in: 1...254) else { return nil }
            let code = UInt8(number)
            if let named = Self.namedOptions.first(where: { $0.code == code }) {
                report(codePath, "option \(code) has its own key: use \"\(named.name)\"")
                return nil
            }
            if Self.engineOptionCodes.contains(code) {
                report(codePath, "option \(code) is written by the server itself and cannot be configured")
                return nil
            }
            return code
        }
        let bytes: [UInt8]?
        switch (object["hex"], object["text"]) {
        case (let hex?, nil):
            bytes = string(hex, at: object.path("hex")).flatMap { text in
                guard let bytes = HexBytes.parse(text) else {
                    report(object.path("hex"), "\"\(text)\" is not hex (\"0a0b0c\" or \"0a:0b:0c\")")
                    return nil
                }
                return bytes
            }
        case (nil, let text?):
            bytes = string(text, at: object.path("text")).map { Array($0.utf8) }
        default:
            report(path, "needs exactly one of \"hex\" and \"text\"")
            bytes = nil
        }
        if let bytes, !(1...Self.maximumRawOptionLength).contains(bytes.count) {
            report(path, "the value is \(bytes.count) bytes; it must be 1 to \(Self.maximumRawOptionLength)")
            return nil
        }
        guard let code, let bytes else { return nil }
        return (code, bytes)
    }
}
