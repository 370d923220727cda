import PortLeaseTransport

extension LoadRunner {
    /// Runs a reboot storm (``StormSettings``): the measured subscribers start DORAs at their
    /// scheduled moments (RFC 2131 retransmission, starting over after a failure) while the
    /// preloaded ones renew at `renewRate`; ends when every subscriber holds a lease or
    /// `giveUp` seconds after the window. The engine's settings must have
    /// `restartAfterFailure` (the command line sets it, with RFC 2131 backoff).
    public func runStorm(_ storm: StormSettings) throws(TransportError) -> StormReport {
        try ticking { () throws(TransportError) in
            try prepareLeases()
            return try measureStorm(storm)
        }
    }

    private func measureStorm(_ storm: StormSettings) throws(TransportError) -> StormReport {
        let preload = settings.exchange.preload
        let count = settings.exchange.subscribers
        let moments = storm.startMoments(count: count)
        engine.beginMeasurement(recycling: false)
        let start = MonotonicClock.now()
        var renewals = storm.renewRate.map { RateController(rate: $0, start: start) }
        var nextStart = 0
        var nextRenewal = 0
        var timeline: [StormReport.Second] = []
        var reached: [Double?] = [nil, nil, nil]
        let targets = [(count + 1) / 2, Int((Double(count) * 0.99).rounded(.up)), count]
        let stopAt = start + UInt64((storm.window + storm.giveUp) * 1e9)
        var bound: Int { engine.completed - engine.renewalsCompleted }

        func refill(_ now: UInt64) {
            engine.restartFailed(now: now, send: send)
            while nextStart < count, start + moments[nextStart] <= now {
                engine.startExchange(preload + nextStart, scenario: .dora, now: now, send: send)
                nextStart += 1
            }
            guard var controller = renewals, preload > 0 else { return }
            let due = controller.take(at: now)
            renewals = controller
            for _ in 0..<due {
                // A subscriber still in its last renewal is skipped (counted), as a client does.
                if !engine.startExchange(nextRenewal, scenario: .renew, now: now, send: send) {
                    engine.record(.skipped)
                }
                nextRenewal = (nextRenewal + 1) % preload
            }
        }

        while true {
            try cycle(refill)
            let now = MonotonicClock.now()
            for (position, target) in targets.enumerated() where reached[position] == nil && bound >= target {
                reached[position] = Double(now - start) / 1e9
            }
            let second = Int((now - start) / 1_000_000_000)
            if second > timeline.count {
                let previous = timeline.last?.bound ?? 0
                timeline.append(
                    StormReport.Second(
                        time: timeline.count + 1, bound: bound, boundInSecond: bound - previous, started: nextStart,
                        restarts: engine.restarts, sent: engine.sent, retransmissions: engine.retransmissions,
                        renewals: engine.renewalsCompleted, renewalsFailed: engine.renewalsFailed))
                let last = timeline[timeline.count - 1]
                progress(
                    "\(last.time) s: \(last.bound) bound (+\(last.boundInSecond)), \(last.started) started,"
                        + " \(last.restarts) restarts, \(last.retransmissions) retransmissions,"
                        + " \(last.renewals) renewals")
            }
            if bound >= count || now >= stopAt { break }
        }
        recordSendFailures()
        return StormReport(
            subscribers: count, window: storm.window, preload: preload, renewRate: storm.renewRate,
            timeToHalf: reached[0], timeTo99: reached[1], timeToAll: reached[2], bound: bound,
            seconds: Double(MonotonicClock.now() - start) / 1e9, sent: engine.sent,
            retransmissions: engine.retransmissions, restarts: engine.restarts,
            answeredAfterRetransmission: engine.answeredAfterRetransmission, late: engine.count(.late),
            errors: engine.errors, renewalsCompleted: engine.renewalsCompleted, renewalsFailed: engine.renewalsFailed,
            renewLatency: .init(engine.renewLatency), timeline: timeline)
    }
}
