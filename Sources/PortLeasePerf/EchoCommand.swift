import ArgumentParser
import PortLeasePerfCore
import PortLeaseTransport
import PortLeaseWire

#if canImport(Glibc)
    import Glibc
#endif

/// `portlease-perf echo`: the bare io_uring UDP echo responder (runs until killed).
struct EchoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo",
        abstract: "Echo every datagram back (the ceiling: measure it with `--scenario echo`). Runs until killed.")

    @Option(help: "The IPv6 address to listen on.")
    var address: String = "::1"

    @Option(help: "The UDP port to listen on.")
    var port: UInt16

    func run() throws {
        guard let listen = IPv6Address(address) else { throw ValidationError("--address: not an IPv6 address") }
        if let problem = IORingSupport.check() { throw ValidationError("\(problem)") }
        let responder = try EchoResponder(address: listen, port: port)
        print("echoing on \(responder.socket.localAddress)")
        fflush(nil)  // scripts read this line while the responder runs
        try responder.run()
    }
}
