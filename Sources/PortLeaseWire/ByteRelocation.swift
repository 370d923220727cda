/// Moves parsed views from the buffer they were parsed in to a byte-identical copy of it.
///
/// The receive thread parses a DHCPV4-QUERY once, in the kernel's receive buffer, and then
/// copies the datagram into a shard queue's slot, where the buffer it was parsed in is
/// already handed back to the kernel. Relocating the views (pointer arithmetic, no
/// validation) lets the shard worker use that parse instead of repeating it. Only views
/// that lie inside the original are moved; anything else (an empty view with no base)
/// is kept as it was.
package struct ByteRelocation {
    private let start: UnsafeRawPointer?
    private let end: UnsafeRawPointer?
    private let target: UnsafeRawPointer?

    /// Views of `original` become views of the same bytes at `copy`.
    package init(from original: UnsafeRawBufferPointer, to copy: UnsafeRawPointer) {
        start = original.baseAddress
        end = original.baseAddress.map { $0 + original.count }
        target = copy
    }

    /// `view` moved into the copy, when it lies inside the original.
    @inline(__always)
    package func callAsFunction(_ view: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard let base = view.baseAddress, let start, let end, let target, base >= start, base <= end else {
            return view
        }
        return UnsafeRawBufferPointer(start: target + (base - start), count: view.count)
    }

    /// `view` moved into the copy, when there is one.
    @inline(__always)
    package func callAsFunction(_ view: UnsafeRawBufferPointer?) -> UnsafeRawBufferPointer? {
        view.map { self($0) }
    }
}

extension DHCPv6Options {
    /// These options, read from the copy `move` leads to.
    package func relocated(_ move: ByteRelocation) -> DHCPv6Options { DHCPv6Options(unchecked: move(bytes)) }
}

extension DHCPv6MessageView {
    /// This message, read from the copy `move` leads to.
    package func relocated(_ move: ByteRelocation) -> DHCPv6MessageView { DHCPv6MessageView(relocating: self, move) }

    private init(relocating other: DHCPv6MessageView, _ move: ByteRelocation) {
        bytes = move(other.bytes)
        type = other.type
        transactionID = other.transactionID
        options = other.options.relocated(move)
    }
}

extension DHCPv4QueryView {
    /// This query, read from the copy `move` leads to.
    package func relocated(_ move: ByteRelocation) -> DHCPv4QueryView { DHCPv4QueryView(relocating: self, move) }

    private init(relocating other: DHCPv4QueryView, _ move: ByteRelocation) {
        message = other.message.relocated(move)
        dhcpv4Message = move(other.dhcpv4Message)
    }
}

extension DHCPv4Options {
    /// These options, read from the copy `move` leads to.
    package func relocated(_ move: ByteRelocation) -> DHCPv4Options {
        DHCPv4Options(mainArea: move(mainArea), overloadAreas: (move(overloadAreas.0), move(overloadAreas.1)))
    }
}

extension DHCPv4MessageView {
    /// This message, read from the copy `move` leads to.
    package func relocated(_ move: ByteRelocation) -> DHCPv4MessageView { DHCPv4MessageView(relocating: self, move) }

    private init(relocating other: DHCPv4MessageView, _ move: ByteRelocation) {
        bytes = move(other.bytes)
        header = other.header
        options = other.options.relocated(move)
        messageType = other.messageType
        clientIdentifier = move(other.clientIdentifier)
        requestedAddress = other.requestedAddress
        serverIdentifier = other.serverIdentifier
        leaseTime = other.leaseTime
        parameterRequestList = move(other.parameterRequestList)
        portParams = other.portParams
    }
}
