import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Why the HTTP endpoint could not start; the description names the flag to change.
public struct MetricsServerError: Error, CustomStringConvertible {
    public let description: String
}

/// The HTTP side of `--metrics-port`: Hummingbird 2 (on SwiftNIO) on an event
/// loop group of its own, one thread (`NIO-ELT-…`): the sockets, the handlers
/// and, through a task executor preference, Hummingbird's async code and the
/// routes all run there, never on the echo server's engine or mode threads.
/// (The Swift runtime fires timers, such as Hummingbird's once-a-second `Date`
/// header cache, from libdispatch's threads; the work they wake runs here.)
///
/// Routes (`MetricsRoutes`): `GET`/`HEAD /metrics` (Prometheus text format
/// 0.0.4), `/` (a short page), `GET /healthz` (200 `ok` while serving), 404 for
/// other paths, 405 with `Allow` for other methods on these paths.
///
/// What a client can hold, and for how long:
/// - **Head**: request line and header fields at most `maxHeadBytes` in all
///   (8 KiB), at most 100 fields; beyond, 431 and the server ends the connection.
/// - **Body**: at most `maxBodyBytes` (16 KiB); a larger declared length gets
///   413, a longer body is dropped and the connection closed.
/// - **Idle timeout** `idleTimeoutSeconds` (5 s, Hummingbird's): a connection
///   with no request in progress that has delivered no HTTP part (a whole head,
///   or a piece of body) for 5 s is closed: one that never sends, or that
///   trickles a head (a partial head decodes to nothing), or a keep-alive
///   connection between scrapes.
/// - **Request deadline** `requestTimeoutSeconds` (10 s, `RequestGuardHandler`):
///   a whole request must arrive within 10 s of the connection opening or of
///   the previous response, whatever arrives meanwhile; it closes a client that
///   trickles a body, which the idle timeout cannot (each piece resets it).
/// - At most `maxConnections` (256) connections at once; further ones wait in
///   the listen backlog (as long again). So the HTTP side cannot use up the
///   descriptors the echo server needs, and junk connections (closed within the
///   timeouts above) cannot keep a scrape out. The backlog matters too: with 64,
///   a burst of 80 connections overflowed it and the kernel took the last ones
///   in only when it resent its SYN-ACK, a second later.
///
/// Lifecycle: `init` binds and starts serving before it returns, so a port in
/// use (or any bind error) is thrown to the caller, and `port` is the real one
/// (for port 0). `stop` closes the listener, lets answers in progress finish
/// (at most 2 s, then they are cancelled), and joins the event loop thread;
/// call it from any thread but the server's own (a handler). `deinit` stops it too.
public final class MetricsHTTPServer: Sendable {
    public static let idleTimeoutSeconds: Int64 = 5
    public static let requestTimeoutSeconds: Int64 = 10
    public static let maxHeadBytes = 8192
    public static let maxBodyBytes = 16384
    public static let maxConnections = 256

    /// A logger that drops every record: the default, so a library user opts in to Hummingbird's.
    public static var silent: Logger { Logger(label: "overlap.http", factory: { _ in SwiftLogNoOpLogHandler() }) }

    /// The port it listens on (the one the system picked when asked for 0).
    public let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let executor: EventLoopTaskExecutor
    private let services: ServiceGroup
    private let finished: EventLoopFuture<Void>
    private let stopped = Atomic<Bool>(false)

    /// Binds `host:port` and serves until `stop`. `host` must be a numeric
    /// IPv4 or IPv6 address; `port` 0-65535 (0: any free port). Blocks the
    /// caller until the socket listens or binding failed (a few milliseconds).
    /// `logger` gets Hummingbird's records (none by default).
    /// - Throws: `MetricsServerError` naming `--metrics-host` or `--metrics-port`.
    public convenience init(host: String, port: Int, exposition: MetricsExposition, logger: Logger = silent)
        throws(MetricsServerError)
    {
        try self.init(host: host, port: port, exposition: exposition, logger: logger,
                      idleTimeout: .seconds(Self.idleTimeoutSeconds), requestTimeout: .seconds(Self.requestTimeoutSeconds))
    }

    /// The same with other timeouts (tests shorten them to tell one from the other).
    init(host: String, port: Int, exposition: MetricsExposition, logger: Logger = silent,
         idleTimeout: Duration, requestTimeout: Duration) throws(MetricsServerError)
    {
        guard (0...65535).contains(port) else {
            throw MetricsServerError(description: "--metrics-port must be 0-65535, not \(port)")
        }
        guard (try? SocketAddress(ipAddress: host, port: port)) != nil else {
            throw MetricsServerError(description: "--metrics-host '\(host)' is not a numeric IPv4 or IPv6 address")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let executor = EventLoopTaskExecutor(loop)
        let listening = loop.makePromise(of: Int.self)
        let done = loop.makePromise(of: Void.self)
        let app = Application(
            responder: MetricsRoutes(exposition: exposition, maxBodyBytes: Self.maxBodyBytes),
            server: .http1(configuration: .init(
                additionalChannelHandlers: [
                    RequestGuardHandler(requestTimeout: TimeAmount(requestTimeout), maxBodyBytes: Self.maxBodyBytes),
                ],
                idleTimeout: TimeAmount(idleTimeout),
                httpDecoderConfiguration: .init(maxHeaderFieldSize: Self.maxHeadBytes,
                                                maxHeaderListSize: Self.maxHeadBytes, maxHeaderFieldCount: 100))),
            configuration: .init(address: .hostname(host, port: port), backlog: Self.maxConnections, reuseAddress: true,
                                 availableConnectionsDelegate: .maximum(Self.maxConnections, logger: logger)),
            onServerRunning: { channel in listening.succeed(channel.localAddress?.port ?? port) },
            eventLoopGroupProvider: .shared(group),
            logger: logger)
        // No signals: the caller owns them. Answers in progress get 2 s, then
        // are cancelled. No cancellation timeout: the group would keep it in a
        // task of its own, which can outlive the group and land on a stopped loop.
        var config = ServiceGroupConfiguration(services: [app], logger: logger)
        config.maximumGracefulShutdownDuration = .seconds(2)
        let services = ServiceGroup(configuration: config)
        Task(executorPreference: executor) {
            do {
                try await services.run()
                listening.fail(MetricsServerError(description: "the metrics server stopped before it listened"))
            } catch {
                listening.fail(error)
            }
            done.succeed()
        }
        let tooSlow = loop.scheduleTask(in: .seconds(10)) {
            listening.fail(MetricsServerError(description: "the metrics server did not start listening within 10 s"))
        }
        let bound = Result { try listening.futureResult.wait() }
        tooSlow.cancel()  // before the loop may stop: cancelling is a task on the loop
        do {
            self.port = try bound.get()
        } catch {
            Self.shutDown(services, done: done.futureResult, group: group, executor: executor)
            throw Self.explain(error, host: host, port: port)
        }
        self.group = group
        self.executor = executor
        self.services = services
        finished = done.futureResult
    }

    deinit { stop() }

    /// Stops listening, closes every connection (answers in progress get up to
    /// 2 s, then are cancelled), and joins the event loop thread. Idle and
    /// trickling connections do not delay it (measured: 9 ms with 10 open).
    /// Safe to call twice; not from the server's own thread.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Self.shutDown(services, done: finished, group: group, executor: executor)
    }

    /// Asks the services to shut down gracefully, waits until they have (the
    /// group cancels them after its graceful limit), then stops the event loop.
    /// The request's own task is waited for too: a job enqueued on a loop that
    /// has shut down is dropped (with an error line).
    private static func shutDown(_ services: ServiceGroup, done: EventLoopFuture<Void>,
                                 group: MultiThreadedEventLoopGroup, executor: EventLoopTaskExecutor) {
        let asked = executor.loop.makePromise(of: Void.self)
        Task(executorPreference: executor) {
            await services.triggerGracefulShutdown()
            asked.succeed()
        }
        _ = try? asked.futureResult.wait()
        _ = try? done.wait()
        try? group.syncShutdownGracefully()
    }

    /// A bind error as the user must read it.
    private static func explain(_ error: any Error, host: String, port: Int) -> MetricsServerError {
        if let e = error as? MetricsServerError { return e }
        switch (error as? IOError)?.errnoCode {
        case EADDRINUSE?:
            return MetricsServerError(description: "metrics port \(port) is already in use (--metrics-port)")
        case EADDRNOTAVAIL?:
            return MetricsServerError(description: "--metrics-host \(host) is not an address of this machine")
        case EACCES?:
            return MetricsServerError(description: "metrics port \(port) needs privileges (--metrics-port)")
        default:
            return MetricsServerError(description: "cannot listen on \(host) port \(port) (--metrics-host, --metrics-port): \(error)")
        }
    }
}

/// Runs Swift tasks on one NIO event loop (a task executor preference, SE-0417):
/// the HTTP server's async code (Hummingbird's connection tasks, the responder)
/// then runs on the metrics thread instead of Swift's shared cooperative pool,
/// which in the test runner is also where blocking tests run.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
