import Foundation
import PortLeaseImport

/// What `portlease import kea-leases` did, printed as a summary or (`--json`) one JSON object.
struct ImportReport: Encodable {
    var file: String
    var logDirectory: String?
    /// `ok`, or `refused` (nothing, or as `shards` says, was written).
    var status = "ok"
    var refusal: String?
    /// Rows read (header and blank lines not counted) and distinct addresses among the readable ones.
    var rows = 0
    var addresses = 0
    var imported = 0
    /// Records written to each shard.
    var shards: [Int] = []
    var skipped: [String: Int] = [:]
    var badRows: [KeaRowProblem] = []

    enum CodingKeys: String, CodingKey {
        case file, status, refusal, rows, addresses, imported, shards, skipped
        case logDirectory = "log-directory"
        case badRows = "bad-rows"
    }

    /// Bad rows listed in the text summary (the JSON lists them all).
    static let listedBadRows = 50

    mutating func refuse(_ reason: String) {
        status = "refused"
        refusal = reason
    }

    mutating func take(_ file: KeaLeaseFile) {
        rows = file.rowCount
        addresses = file.leases.count
        badRows = file.problems
    }

    mutating func take(_ plan: ImportPlan) {
        imported = plan.importedCount
        for (reason, count) in plan.skipped { skipped[reason.rawValue] = count }
    }

    /// The summary on standard output (the refusal on standard error), or the JSON object.
    func print(json: Bool) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(self)) ?? Data()
            Swift.print(String(decoding: data, as: UTF8.self))
            return
        }
        var lines = ["\(file): \(rows) row(s), \(addresses) address(es)"]
        if imported > 0 || refusal == nil {
            let perShard = shards.enumerated().map { "shard-\($0.offset): \($0.element)" }.joined(separator: ", ")
            lines.append(
                "imported \(imported) lease(s)" + (logDirectory.map { " into \($0)" } ?? "")
                    + (perShard.isEmpty ? "" : " (\(perShard))"))
        }
        if !skipped.isEmpty {
            let order = ImportSkipReason.allCases.map(\.rawValue)
            let parts = skipped.sorted { order.firstIndex(of: $0.key)! < order.firstIndex(of: $1.key)! }
            lines.append("skipped: " + parts.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if !badRows.isEmpty {
            lines.append("bad row(s): \(badRows.count)")
            for row in badRows.prefix(Self.listedBadRows) {
                lines.append("  \(row)")
            }
            if badRows.count > Self.listedBadRows {
                lines.append("  ... and \(badRows.count - Self.listedBadRows) more (--json lists them all)")
            }
        }
        Swift.print(lines.joined(separator: "\n"))
        if let refusal { Standard.error("refused: \(refusal)") }
    }
}
