import Foundation
import PortLeaseSystem
import SystemPackage

/// The CLI's side of the control API: one HTTP/1.1 request per connection over the server's
/// UNIX socket, the response read to its end. Small on purpose (the commands send a request
/// and print the answer); the server side is Hummingbird (`PortLeaseControl`).
struct ControlClient {
    /// A response: its status code and body.
    struct Response {
        var status: Int
        var body: [UInt8]
    }

    /// Why a request got no response.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let socketPath: String
    /// How long a response may take before the request fails: a server that is stopped or
    /// hung must not hang the command that asks it.
    var answerWithinSeconds = 60

    /// Sends `method path` with `headers` ("Name: value") and `body`, and returns the response.
    func send(_ method: String, _ path: String, body: [UInt8] = [], headers: [String] = []) throws(Failure) -> Response
    {
        let descriptor: FileDescriptor
        do throws(SystemCallError) {
            descriptor = try SocketCalls.connectLocal(socketPath, answerWithinSeconds: answerWithinSeconds)
        } catch {
            throw Failure(
                description:
                    "cannot reach the server's control API at \(socketPath): \(error) (is portlease serve running, with this configuration?)"
            )
        }
        defer { try? descriptor.close() }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: portlease\r\nConnection: close\r\n"
        for header in headers { request += header + "\r\n" }
        if !body.isEmpty { request += "Content-Length: \(body.count)\r\n" }
        let bytes = Array((request + "\r\n").utf8) + body
        var received: [UInt8] = []
        do {
            _ = try bytes.withUnsafeBytes { try descriptor.writeAll($0) }
            var chunk = [UInt8](repeating: 0, count: 64 << 10)
            while true {
                let count = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0) }
                if count == 0 { break }
                received += chunk[0..<count]
            }
        } catch Errno.resourceTemporarilyUnavailable {
            throw Failure(
                description: "control API at \(socketPath): no complete answer within \(answerWithinSeconds) s")
        } catch {
            throw Failure(description: "control API at \(socketPath): \(error)")
        }
        return try Self.parse(received)
    }

    /// Splits a whole HTTP/1.1 response into its status and body (a `Content-Length` body, or
    /// everything after the header when the server closed the connection).
    static func parse(_ bytes: [UInt8]) throws(Failure) -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }),
            let head = String(bytes: bytes[..<end], encoding: .utf8)
        else { throw Failure(description: "the control API sent no HTTP response") }
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Failure(description: "the control API sent \"\(lines[0])\"")
        }
        var body = Array(bytes[(end + 4)...])
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length",
                let length = Int(parts[1].trimmingCharacters(in: .whitespaces)), length <= body.count
            {
                body = Array(body[..<length])
            }
        }
        return Response(status: status, body: body)
    }
}
