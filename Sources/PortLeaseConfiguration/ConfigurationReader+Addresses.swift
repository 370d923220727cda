import LeaseEngine
import PortLeaseWire

/// Address, prefix, range and port text as configuration files write them.
extension ConfigurationReader {
    func ipv4(_ value: JSONValue, at path: String) -> IPv4Address? {
        guard let text = string(value, at: path) else { return nil }
        guard let address = IPv4Address(text) else {
            report(path, "\"\(text)\" is not an IPv4 address (dotted quad such as 192.0.2.1)")
            return nil
        }
        return address
    }

    func ipv6(_ value: JSONValue, at path: String) -> IPv6Address? {
        guard let text = string(value, at: path) else { return nil }
        guard let address = IPv6Address(text) else {
            report(path, "\"\(text)\" is not an IPv6 address (such as 2001:db8::1)")
            return nil
        }
        return address
    }

    /// `address/length`, or a bare address meaning `/128`. Bits set past the length are
    /// reported (`2001:db8:100::1/40`): the operator meant another prefix or another length.
    func ipv6Prefix(_ value: JSONValue, at path: String) -> IPv6Prefix? {
        guard let text = string(value, at: path) else { return nil }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPv6Address(parts[0]) else {
            report(path, "\"\(text)\" is not an IPv6 prefix (such as 2001:db8:100::/40)")
            return nil
        }
        guard parts.count == 2 else { return IPv6Prefix(address: address, length: 128) }
        guard let length = Int(parts[1]), let prefix = IPv6Prefix(address: address, length: length) else {
            report(path, "\"\(text)\": the prefix length must be 0...128")
            return nil
        }
        guard prefix.address == address else {
            report(path, "\"\(text)\" has bits set after the first \(length) (did you mean \"\(prefix)\"?)")
            return nil
        }
        return prefix
    }

    /// An IPv4 address range: `198.51.100.0/24` (every address of the prefix),
    /// `203.0.113.16-203.0.113.31` (both ends included) or one address.
    func ipv4Range(_ value: JSONValue, at path: String) -> ClosedRange<IPv4Address>? {
        guard let text = string(value, at: path) else { return nil }
        let forms = "a prefix (198.51.100.0/24), a range (203.0.113.16-203.0.113.31) or one address"
        if let slash = text.firstIndex(of: "/") {
            guard let address = IPv4Address(text[..<slash].trimmingSpaces) else {
                report(path, "\"\(text)\" is not an address range: expected \(forms)")
                return nil
            }
            guard let length = Int(text[text.index(after: slash)...].trimmingSpaces), (0...32).contains(length) else {
                report(path, "\"\(text)\": the prefix length must be 0...32")
                return nil
            }
            let hostMask: UInt32 = length == 32 ? 0 : UInt32.max >> UInt32(length)
            let network = IPv4Address(address.value & ~hostMask)
            guard network == address else {
                report(
                    path, "\"\(text)\" has bits set after the first \(length) (did you mean \"\(network)/\(length)\"?)")
                return nil
            }
            return network...IPv4Address(network.value | hostMask)
        }
        let ends = text.split(separator: "-", omittingEmptySubsequences: false)
        guard ends.count <= 2, let first = IPv4Address(ends[0].trimmingSpaces),
            let last = ends.count == 2 ? IPv4Address(ends[1].trimmingSpaces) : first
        else {
            report(path, "\"\(text)\" is not an address range: expected \(forms)")
            return nil
        }
        guard first <= last else {
            report(path, "\"\(text)\" is reversed: the first address is above the last")
            return nil
        }
        return first...last
    }

    /// A port range, `"0-1023"`, or one port as a string or a number; inside 0...65535.
    func portRange(_ value: JSONValue, at path: String) -> ClosedRange<Int>? {
        if case .number = value {
            guard let port = integer(value, at: path, in: 0...65535) else { return nil }
            return port...port
        }
        guard let text = string(value, at: path) else { return nil }
        let ends = text.split(separator: "-", omittingEmptySubsequences: false)
        guard ends.count <= 2, let first = Int(ends[0].trimmingSpaces),
            let last = ends.count == 2 ? Int(ends[1].trimmingSpaces) : first
        else {
            report(path, "\"\(text)\" is not a port range (such as \"0-1023\" or \"8080\")")
            return nil
        }
        guard (0...65535).contains(first), (0...65535).contains(last) else {
            report(path, "\"\(text)\" is outside 0-65535")
            return nil
        }
        guard first <= last else {
            report(path, "\"\(text)\" is reversed: the first port is above the last")
            return nil
        }
        return first...last
    }

    /// A network interface name as Linux allows it: 1 to 15 bytes, no `/`, no white space.
    func interfaceName(_ value: JSONValue, at path: String) -> String? {
        guard let name = string(value, at: path) else { return nil }
        guard (1...15).contains(name.utf8.count), name != ".", name != "..",
            !name.contains(where: { $0 == "/" || $0.isWhitespace })
        else {
            report(path, "\"\(name)\" is not an interface name (1 to 15 characters, no '/' or spaces)")
            return nil
        }
        return name
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces.
    var trimmingSpaces: SubSequence {
        let start = firstIndex { $0 != " " } ?? endIndex
        let end = lastIndex { $0 != " " }.map { index(after: $0) } ?? start
        return self[start..<end]
    }
}
