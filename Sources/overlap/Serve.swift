import ArgumentParser
import CLinux
import Glibc
import Logging
import OverlapCore
import OverlapDashboard
import OverlapMetrics
import OverlapModel
import OverlapSystem

extension NotificationMode: ExpressibleByArgument {}
extension EngineChoice: ExpressibleByArgument {}

/// How `--headless` prints its stats.
enum StatsFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the echo server (the default command).",
        discussion: """
            Examples:
              overlap                                          the dashboard over a server on 127.0.0.1:7777
              overlap serve --mode callback --threads 4        start in callback mode with 4 APC threads
              overlap serve --headless                         stats line every second on stdout
              overlap serve --headless --stats-format json     the same figures as JSON lines, for scripts
              overlap serve --headless --metrics-port 9100     Prometheus metrics at http://127.0.0.1:9100/metrics
              overlap serve --headless --metrics-port 9100 --metrics-host 0.0.0.0   metrics for a Prometheus elsewhere; echo stays on loopback
              overlap --log-file /tmp/overlap.log --log-level debug   dashboard, with a debug log on the side
              overlap serve --headless --engine epoll --threads 4 --concurrency 2
              overlap serve --trace /tmp/overlap.json --sample 1   trace every request for 10 s (open in ui.perfetto.dev)
            """)

    @Option(help: "Address to listen on (numeric IPv4 or IPv6). Listening on all interfaces (0.0.0.0) is an explicit choice.")
    var host = "127.0.0.1"
    @Option(help: "TCP port to listen on (0 picks a free one).")
    var port = 7777
    @Option(help: "Notification mode: event, callback or port.")
    var mode = NotificationMode.port
    @Option(help: "I/O engine: auto (io_uring if it works, else epoll), uring or epoll.")
    var engine = EngineChoice.auto
    @Option(help: "APC threads (callback mode) and port workers (port mode). Default: number of cores.")
    var threads = onlineCores()
    @Option(help: "Completion-port concurrency value: most workers running at once. Default: number of cores.")
    var concurrency = onlineCores()
    @Flag(inversion: .prefixedNo,
          help: "Port mode: one thread wake per completion. On epoll the port workers wait in the kernel and do the I/O themselves; on io_uring the engine thread runs its share when a worker slot is free. --no-engine-joins-port: the textbook pool (the engine thread reaps and posts, the port wakes a worker).")
    var engineJoinsPort = true
    @Option(help: "Connections beyond this many are refused (and counted).")
    var maxSessions = 10_000
    @Flag(help: "No dashboard: print one stats line per refresh to stdout.")
    var headless = false
    @Option(help: "Serve Prometheus metrics at http://METRICS-HOST:P/metrics (0 picks a free port).")
    var metricsPort: Int?
    @Option(help: "Address the metrics HTTP server listens on (numeric IPv4 or IPv6), apart from --host: keep it on loopback unless the network may read it.")
    var metricsHost = "127.0.0.1"
    @Option(help: "Sampling interval in milliseconds (100-10000): the stats line, the dashboard and every rate and busy ratio use the server's samples.")
    var refreshMs = 1000
    @Option(help: "Stamp one request in N (per posting thread, on average) to measure where its time goes: kernel, notify, handler. 0 turns it off; 1 stamps every request (costs more).")
    var sample = ServerConfig.defaultSampleEvery
    @Option(help: "Write a Chrome trace-event JSON file of the sampled requests (open it in ui.perfetto.dev or chrome://tracing); the key t writes the next captures beside it (FILE-2.json, FILE-3.json...), never over it.")
    var trace: String?
    @Option(help: "How long a trace capture runs before it stops itself, in seconds (1-3600).")
    var traceSeconds = 10.0
    @Option(help: ArgumentHelp("Hazard lab: provoke a model's classic failure (repeatable; the key l switches them live): slow-handler=MS@THREAD, lowest-index, skip-on-success, stall=MS/EVERY_S, buffers=N, concurrency=N.", valueName: "NAME[=VALUE]"))
    var hazard: [String] = []
    @Option(help: "Headless stats: text (one line) or json (one object per line, the dashboard's figures).")
    var statsFormat = StatsFormat.text
    @Option(help: "Least severe log record kept: trace, debug, info, notice, warning, error or critical.")
    var logLevel = Logger.Level.info
    @Option(help: "Also append log records to this file (under the dashboard, the only place they go besides its event log).")
    var logFile: String?
    @Option(help: ArgumentHelp("Language of the dashboard's words: en or ko (Korean, in the course's terms). Default: Korean when the first of LC_ALL, LC_MESSAGES and LANG that is set names a UTF-8 (or codeset-less) ko_* locale, else English. Numbers, units, flags and thread names stay as they are; logs, metrics and headless stats stay English.", valueName: "en|ko"))
    var lang: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0-65535, not \(port)") }
        guard (1...1024).contains(threads) else { throw ValidationError("--threads must be 1-1024, not \(threads)") }
        guard (1...1024).contains(concurrency) else {
            throw ValidationError("--concurrency must be 1-1024, not \(concurrency)")
        }
        guard (1...1_000_000).contains(maxSessions) else {
            throw ValidationError("--max-sessions must be 1-1000000, not \(maxSessions)")
        }
        guard RefreshInterval.range.contains(refreshMs) else {
            throw ValidationError("--refresh-ms must be \(RefreshInterval.range.lowerBound)-\(RefreshInterval.range.upperBound), not \(refreshMs)")
        }
        guard (0...1_000_000).contains(sample) else {
            throw ValidationError("--sample must be 0 (off) to 1000000, not \(sample)")
        }
        guard traceSeconds >= 1 && traceSeconds <= 3600 else {
            throw ValidationError("--trace-seconds must be 1-3600, not \(traceSeconds)")
        }
        if trace != nil && sample == 0 {
            throw ValidationError("--trace writes the sampled requests, and --sample 0 samples none: drop --sample 0 (or use --sample 1 to trace every request)")
        }
        if let m = metricsPort {
            guard (0...65535).contains(m) else { throw ValidationError("--metrics-port must be 0-65535, not \(m)") }
        }
        guard SocketAddress(host: host, port: port) != nil else {
            throw ValidationError("--host '\(host)' is not a numeric IPv4 or IPv6 address")
        }
        guard SocketAddress(host: metricsHost, port: 0) != nil else {
            throw ValidationError("--metrics-host '\(metricsHost)' is not a numeric IPv4 or IPv6 address")
        }
        _ = try dashboardLanguage()
        _ = try hazardSettings()
    }

    /// Not in `validate`: the argument parser runs that before it reports an
    /// unknown option, so `serve --bogus | cat` would hear about the
    /// terminal instead of the typo. Worded as the parser words a bad flag,
    /// with serve's usage (an error thrown from `run` would get the root's)
    /// and the parser's exit code for bad usage, 64.
    private func requireTerminal() throws {
        if !headless && isatty(STDOUT_FILENO) == 0 {
            printStatus("""
                Error: stdout is not a terminal, so the dashboard cannot start; use --headless for a stats line instead
                Usage: \(Overlap.usageString(for: Serve.self))
                  See 'overlap serve --help' for more information.
                """)
            throw ExitCode.validationFailure
        }
    }

    /// `--lang`, or the locale's language when it is not given.
    func dashboardLanguage() throws -> Language {
        guard let lang else {
            var locale = [String: String]()
            for name in ["LC_ALL", "LC_MESSAGES", "LANG"] { locale[name] = getenv(name).map { String(cString: $0) } }
            return Language.fromEnvironment(locale)
        }
        guard let language = Language(rawValue: lang.lowercased()) else {
            throw ValidationError("--lang '\(lang)' is not a language of the dashboard: use one of \(Language.list)")
        }
        return language
    }

    /// The `--hazard` values, checked (a bad one names what to change).
    func hazardSettings() throws -> HazardSettings {
        var settings = HazardSettings()
        for spec in hazard {
            do {
                try settings.apply(spec, threads: HazardSettings.threadNames(threads: threads),
                                   buffers: ServerConfig().bufferCount)
            } catch {
                throw ValidationError("--hazard \(spec): \(error)")
            }
        }
        return settings
    }

    func run() throws {
        try requireTerminal()
        var config = ServerConfig()
        config.hazards = try hazardSettings()
        config.host = host
        config.port = port
        config.mode = mode
        config.engine = engine
        config.threads = threads
        config.concurrency = concurrency
        config.engineJoinsPort = engineJoinsPort
        config.maxSessions = maxSessions
        config.refreshMs = refreshMs
        config.sampleEvery = sample
        config.traceSeconds = traceSeconds
        config.tracePath = trace  // the key t writes beside it (FILE-2.json, ...)
        config.sampleSessionRows = !headless  // only the dashboard shows them
        // Every thread the server starts inherits this mask: only this thread
        // receives SIGINT/SIGTERM, in sigtimedwait below.
        _ = overlap_block_stop_signals()
        let descriptors = raiseDescriptorLimit()
        if descriptors >= 0 && descriptors < maxSessions + 64 {
            printError("overlap: warning: the descriptor limit (\(descriptors)) is below --max-sessions \(maxSessions); connections past it are refused")
        }
        let server: EchoServer
        var metrics: MetricsHTTPServer?
        do {
            bootstrapLogging(level: logLevel, headless: headless, file: try logFile.map { try FileLogHandler.Output(path: $0) })
            server = try EchoServer(config: config, logger: Logger(label: "overlap"))
            // Bound (or refused) before the echo server starts; it serves from here on.
            if let m = metricsPort {
                metrics = try MetricsHTTPServer(host: metricsHost, port: m, exposition: MetricsExposition(control: server),
                                                logger: Logger(label: "overlap.http"))
            }
            try server.start()
        } catch {
            metrics?.stop()
            printError("\(error)")
            throw ExitCode(1)
        }
        if let trace {
            do {
                _ = try server.startTrace(path: trace)
            } catch {
                metrics?.stop()
                server.stop()
                printError("--trace: \(error)")
                throw ExitCode(1)
            }
        }
        defer { metrics?.stop() }
        if headless {
            runHeadless(server, metrics: metrics)
        } else {
            do {
                // Signals stay blocked; the dashboard polls for them between keys.
                let exit = try DashboardApp.run(control: server, language: try dashboardLanguage(), pendingSignal: { overlap_wait_stop_signal(0) })
                if case .signal(let sig) = exit { printLine("overlap: signal \(sig): stopping") }
            } catch {
                server.stop()
                printError("\(error)")
                throw ExitCode(1)
            }
        }
        let clean = server.stop()
        let last = server.snapshot(sessions: false)
        note("overlap: stopped (\(last.accepted) sessions served, \(Format.bytes(last.bytesReceived)) echoed)")
        if !clean {
            printError("overlap: some requests were still in flight at exit")
            throw ExitCode(1)
        }
    }

    /// A status line: on stdout, unless stdout carries JSON lines (then stderr,
    /// so that every stdout line parses).
    private func note(_ line: String) {
        if headless && statsFormat == .json { printStatus(line) } else { printLine(line) }
    }

    /// The headless front end: one stats line per refresh until a stop signal.
    private func runHeadless(_ server: EchoServer, metrics: MetricsHTTPServer?) {
        note("overlap: listening on \(server.address) (\(server.engineKind.rawValue) engine: \(server.engineReason), \(mode.rawValue) mode); Ctrl-C stops")
        if let m = metrics {
            note("overlap: metrics on http://\(metricsHost.contains(":") ? "[\(metricsHost)]" : metricsHost):\(m.port)/metrics")
        }
        // One line per sample of the server's sampler, as soon as it is taken.
        var printed = server.latestSample().sequence
        while true {
            let sig = overlap_wait_stop_signal(50)
            if sig != 0 {
                note("overlap: signal \(sig): stopping")
                return
            }
            let sample = server.latestSample()
            guard sample.sequence != printed else { continue }
            printed = sample.sequence
            printLine(statsFormat == .json ? StatsJSON.line(sample.snapshot, sample.rates)
                                           : StatsLine.render(sample.snapshot, rates: sample.rates))
        }
    }
}

/// Writes a line to stdout and flushes it (stdout may be a pipe).
func printLine(_ s: String) {
    writeAll(STDOUT_FILENO, s + "\n")
}

/// Writes an error to stderr (Swift 6 rejects Glibc's `stderr` global),
/// worded as one unless it is already an `overlap:` line.
func printError(_ s: String) {
    printStatus(s.hasPrefix("overlap:") ? s : "overlap: error: " + s)
}

/// Writes status or progress text to stderr as is (`newline: false` for a
/// progress line rewritten in place).
func printStatus(_ s: String, newline: Bool = true) {
    writeAll(STDERR_FILENO, s + (newline ? "\n" : ""))
}
