import Logging
import Synchronization

/// A minimal HTTP/1.0 responder for Prometheus scrapes: `GET /metrics` on its own
/// thread. Deliberately tiny (one request per connection, no keep-alive): a
/// scrape every few seconds needs nothing more, and it keeps a web framework out
/// of a DHCP server's build and attack surface.
public final class MetricsEndpoint: @unchecked Sendable {
    public let host: String
    /// The bound port (the real one when 0 was asked).
    public private(set) var port: UInt16
    private let listener: Int32
    private let render: @Sendable () -> String
    private let stopping = Atomic<Bool>(false)

    /// Binds `host:port` (an IPv4 or IPv6 literal) and listens.
    public init(host: String, port: UInt16, render: @escaping @Sendable () -> String) throws(ServerError) {
        self.host = host
        self.render = render
        (listener, self.port) = try SystemCalls.listenTCP(host: host, port: port)
    }

    deinit {
        SystemCalls.close(listener)
    }

    /// Serves until ``stop()``; call on a dedicated thread.
    public func run() {
        while !stopping.load(ordering: .relaxed) {
            guard SystemCalls.waitReadable(listener, timeoutMilliseconds: 200) else { continue }
            guard let connection = SystemCalls.accept(listener) else { continue }
            serve(connection)
            SystemCalls.close(connection)
        }
    }

    public func stop() {
        stopping.store(true, ordering: .relaxed)
    }

    private func serve(_ connection: Int32) {
        var request = [UInt8](repeating: 0, count: 2048)
        guard let count = request.withUnsafeMutableBytes({ SystemCalls.receive(connection, into: $0) }) else { return }
        let line = String(decoding: request[0..<count].prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let response: String
        if parts.count >= 2, parts[0] == "GET", parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?") {
            let body = render()
            response =
                "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
                + body
        } else {
            let body = "not found: try GET /metrics\n"
            response =
                "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
                + body
        }
        _ = Array(response.utf8).withUnsafeBytes { SystemCalls.sendAll(connection, $0) }
    }
}
