import ArgumentParser
import Glibc
import OverlapLoad

/// `overlap load`: a verifying load generator for any echo server.
struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drive an echo server and verify every echoed byte.",
        discussion: """
        Closed loop by default (--depth messages in flight per connection); --rate
        paces each connection instead (open loop, on a timer precise to tens of
        microseconds). Open loop reports two latencies per message:
          from due   from when the schedule said to send it to its echo, so time
                     it waited to go out (the generator late, or held back by a
                     server that stopped reading) counts: corrected for
                     coordinated omission. Quote this one. (--json: latency_us)
          from send  from when it was written to its echo: the service time. The
                     difference is the wait. (--json: service_latency_us)
        Closed loop sends each message when it is due, so it reports one latency,
        from the send (latency_us).
        Exits non-zero on any corrupted, lost, duplicated or reordered message,
        reset, early close or stall, naming the connection and the message.

        Examples:
          overlap load --connections 50 --depth 8 --duration 10
          overlap load --connections 10 --size 16384 --rate 1000 --json
        """)

    @Option(help: "Server address (numeric IPv4 or IPv6).") var host = "127.0.0.1"
    @Option(help: "Server port.") var port = 7777
    @Option(help: "Connections to open.") var connections = 50
    @Option(help: "Bytes per message (at least 16).") var size = 64
    @Option(help: "Messages in flight per connection (closed loop).") var depth = 1
    @Option(help: "Messages per second per connection (open loop, latency from when each was due).")
    var rate: Double?
    @Option(help: "Seconds to measure, after the warm-up.") var duration: Double = 10
    @Option(help: "Seconds of warm-up, not measured.") var warmup: Double = 1
    @Option(help: "Client threads.") var threads = 1
    @Flag(help: "Print the result as one JSON object.") var json = false

    var config: LoadConfig {
        var c = LoadConfig()
        c.host = host
        c.port = port
        c.connections = connections
        c.size = size
        c.depth = depth
        c.rate = rate
        c.duration = duration
        c.warmup = warmup
        c.threads = threads
        return c
    }

    func validate() throws {
        if let problem = config.problem { throw ValidationError(problem) }
    }

    func run() throws {
        let tty = isatty(STDERR_FILENO) != 0
        let report = LoadRunner.run(config) { p in
            if tty {
                printStatus("\r\u{1B}[K" + p.line, newline: false)
            } else {
                printStatus(p.line)
            }
        }
        if tty { printStatus("\r\u{1B}[K", newline: false) }
        printLine(json ? report.json : report.table)
        if !report.ok { throw ExitCode(1) }
    }
}
