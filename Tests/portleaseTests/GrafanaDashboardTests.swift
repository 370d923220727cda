import Foundation
import Testing

/// `Config/grafana-dashboard.json`: a Grafana dashboard on a `$datasource` variable, and every
/// metric and label it queries is one a running `portlease serve` exposes.
@Suite struct GrafanaDashboardTests {
    static var path: String { CommandLineTests.repository.appendingPathComponent("Config/grafana-dashboard.json").path }

    /// The dashboard as parsed JSON.
    static func dashboard() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The panels, with those inside collapsed rows.
    static func panels(_ dashboard: [String: Any]) -> [[String: Any]] {
        let top = dashboard["panels"] as? [[String: Any]] ?? []
        return top + top.flatMap { $0["panels"] as? [[String: Any]] ?? [] }
    }

    /// Every PromQL expression: each panel target's `expr` and each query variable's query.
    static func expressions(_ dashboard: [String: Any]) -> [String] {
        let targets = panels(dashboard).flatMap { $0["targets"] as? [[String: Any]] ?? [] }
        let variables = (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        let queries = variables.filter { $0["type"] as? String == "query" }.compactMap {
            ($0["query"] as? [String: Any])?["query"] as? String ?? $0["query"] as? String
        }
        return targets.compactMap { $0["expr"] as? String } + queries
    }

    static let datasource = "${datasource}"

    @Test func itIsADashboardWhosePanelsAllUseTheDatasourceVariable() throws {
        let dashboard = try Self.dashboard()
        #expect((dashboard["uid"] as? String)?.isEmpty == false)
        #expect((dashboard["title"] as? String)?.isEmpty == false)
        #expect((dashboard["schemaVersion"] as? Int ?? 0) >= 39)
        let variables = try #require((dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]])
        let source = try #require(variables.first { $0["name"] as? String == "datasource" })
        #expect(source["type"] as? String == "datasource" && source["query"] as? String == "prometheus")
        let instance = try #require(variables.first { $0["name"] as? String == "instance" })
        #expect((instance["datasource"] as? [String: Any])?["uid"] as? String == Self.datasource)
        #expect(instance["definition"] as? String == "label_values(portlease_datagrams_received_total, instance)")

        let panels = Self.panels(dashboard).filter { $0["type"] as? String != "row" }
        #expect(panels.count >= 10)
        #expect(Set(panels.compactMap { $0["id"] as? Int }).count == panels.count, "panel ids repeat")
        for panel in panels {
            let title = panel["title"] as? String ?? "?"
            #expect(["timeseries", "stat"].contains(panel["type"] as? String), "\(title)")
            #expect((panel["datasource"] as? [String: Any])?["uid"] as? String == Self.datasource, "\(title)")
            let targets = panel["targets"] as? [[String: Any]] ?? []
            #expect(!targets.isEmpty, "\(title) has no query")
            for target in targets {
                #expect((target["datasource"] as? [String: Any])?["uid"] as? String == Self.datasource, "\(title)")
                #expect((target["expr"] as? String)?.isEmpty == false, "\(title)")
            }
        }
        // No data source named by UID anywhere else (Grafana's built-in annotations aside).
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        let uids = text.components(separatedBy: "\"uid\": \"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(Set(uids) == [Substring(Self.datasource), "-- Grafana --", "portlease-overview"], "\(uids)")
    }

    @Test func theNameReaderFindsMetricsAndLabelsInPromQL() {
        let quantile = PromQLNames(
            #"histogram_quantile(0.99, sum by (instance, shard, le) (rate(a_seconds_bucket{instance=~"$instance"}[$__rate_interval])))"#
        )
        #expect(quantile.metrics == ["a_seconds_bucket"])
        #expect(quantile.labels == ["instance", "shard", "le"])
        let ratio = PromQLNames(#"increase(b_total{x="a,b"}[30m]) / increase(c_total[30m]) > 0 or time() - d"#)
        #expect(ratio.metrics == ["b_total", "c_total", "d"])
        #expect(ratio.labels == ["x"])
        let variable = PromQLNames("label_values(portlease_datagrams_received_total, instance)")
        #expect(variable.metrics == ["portlease_datagrams_received_total"] && variable.labels == ["instance"])
        let exposition = Exposition(
            "# TYPE h histogram\nh_bucket{shard=\"0\",le=\"+Inf\"} 1\nh_sum{shard=\"0\"} 0.1\n# TYPE g gauge\n")
        #expect(exposition.serves("h_bucket") && exposition.serves("h_sum") && exposition.family(of: "h_sum") == "h")
        #expect(!exposition.serves("h") && !exposition.serves("h_count") && !exposition.serves("g"))
        #expect(exposition.labels == ["shard", "le"])
    }

    /// A live server after a few DORAs: every metric the dashboard queries is in its `/metrics`,
    /// and every label it groups or filters by is on some sample (or added by Prometheus).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
    func everyMetricTheDashboardQueriesIsServed() throws {
        let expressions = try Self.expressions(Self.dashboard())
        let names = expressions.map(PromQLNames.init)
        let metrics = names.reduce(into: Set<String>()) { $0.formUnion($1.metrics) }
        let labels = names.reduce(into: Set<String>()) { $0.formUnion($1.labels) }
        #expect(metrics.count >= 20, "\(metrics.sorted())")

        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (holder, metricsPort) = try LoopbackTCP.listen()
        close(holder)
        let port = FailurePolicyTests.port()
        try ServeProcess.configuration(port: port, logDirectory: directory + "/log", metricsPort: metricsPort)
            .write(toFile: directory + "/server.json", atomically: true, encoding: .utf8)
        let server = try ServeProcess(config: directory + "/server.json", logPath: directory + "/server.log")
        defer { server.stop() }
        #expect(server.waitFor("portlease started"), "\(server.log)")
        for id in 1...3 { #expect(try ServeProcess.dora(port: port, id: id), "DORA \(id)") }

        let exposition = Exposition(try #require(LoopbackTCP.get(port: metricsPort)))
        let missing = metrics.filter { !exposition.serves($0) }.sorted()
        #expect(missing.isEmpty, "the dashboard queries metrics the server does not expose: \(missing)")
        // `instance` and `job` are the labels Prometheus adds to every scraped sample.
        let unknownLabels = labels.subtracting(exposition.labels).subtracting(["instance", "job"]).sorted()
        #expect(unknownLabels.isEmpty, "the dashboard uses labels no sample has: \(unknownLabels)")
    }
}
