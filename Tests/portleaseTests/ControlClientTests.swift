import Foundation
import PortLeaseSystem
import Testing

@testable import portlease

/// The CLI's control API client against servers that misbehave.
struct ControlClientTests {
    /// A listening UNIX socket that accepts connections and never answers, as a stopped
    /// (SIGSTOP) or hung server's socket does: the kernel queues the connection.
    @Test func aServerThatNeverAnswersFailsTheRequestWithTheReason() throws {
        let path = NSTemporaryDirectory() + "pl-mute-\(UInt32.random(in: 0...0xFFFFFF)).sock"
        defer { unlink(path) }
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0 && listen(listener, 4) == 0)

        var client = ControlClient(socketPath: path)
        client.answerWithinSeconds = 1
        #expect {
            try client.send("GET", "/v1/status")
        } throws: { error in
            "\(error)".contains("no complete answer within 1 s")
        }
    }
}
