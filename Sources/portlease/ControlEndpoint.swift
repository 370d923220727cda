import ArgumentParser
import Foundation
import PortLeaseConfiguration

/// Where the CLI finds the running server's control API: the configuration's socket, or one given.
struct ControlEndpoint: ParsableArguments {
    @Option(name: .shortAndLong, help: "The server's configuration file (its control socket is used).")
    var config: String?

    @Option(help: "The control API's UNIX socket (instead of --config).")
    var socket: String?

    func validate() throws {
        guard (config == nil) != (socket == nil) else {
            throw ValidationError("give either --config FILE or --socket PATH")
        }
    }

    func client() throws -> ControlClient {
        if let socket { return ControlClient(socketPath: socket) }
        let configuration: ServerConfiguration
        do throws(ConfigurationError) {
            configuration = try ServerConfiguration.load(contentsOf: config!)
        } catch {
            ConfigurationReport.print(error, file: config!)
            throw ExitCode(1)
        }
        guard let path = configuration.control.socketPath(leaseLogDirectory: configuration.leaseLog.directory) else {
            Standard.error("\(config!): the control API is off (\"control\": {\"socket\": \"off\"})")
            throw ExitCode(1)
        }
        return ControlClient(socketPath: path)
    }

    /// `text` as a query parameter's value: a client key's colons kept, the rest percent-encoded.
    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: ":"))) ?? text
    }

    /// Sends a request and returns the body of its 2xx response; anything else (no server, a
    /// refusal) is printed on standard error and ends the command with status 1.
    func request(_ method: String, _ path: String, body: [UInt8] = [], headers: [String] = []) throws -> [UInt8] {
        let api = try client()
        let response = try Standard.orExit { () throws(ControlClient.Failure) in
            try api.send(method, path, body: body, headers: headers)
        }
        guard (200..<300).contains(response.status) else {
            Standard.error(
                "the control API refused (\(response.status)): \(String(decoding: response.body, as: UTF8.self))")
            throw ExitCode(1)
        }
        return response.body
    }
}
